{{ labelled_scorecard(ref('marts__scorecard_history'), leading='s.refresh_id, s.refreshed_at') }}
