SELECT t.scorecard_id, t.year, d.title_fi, d.title_en, t.as_of, t.weighted, t.goals, t.meters,
       t.meters_achieved, t.meters_on_track, t.meters_at_risk, t.meters_not_achieved,
       t.meters_no_data, t.total_weighted_score, t.max_weighted_score, t.weighted_share,
       t.scored_weight_pct
FROM {{ ref('marts__scorecard_totals') }} t
JOIN {{ source('catalog', 'dim_scorecard') }} d USING (scorecard_id)
