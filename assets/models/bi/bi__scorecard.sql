{{ labelled_scorecard(ref('marts__scorecard')) }}
