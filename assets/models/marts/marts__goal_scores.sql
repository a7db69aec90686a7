-- A goal is only as far along as its weakest scored meter: its status is the worst
-- among its meters with data, no_data only when none has data. Its weighted score is
-- the sum of its meters' weighted scores, capped at the goal area's weight.
WITH scored AS (
    SELECT s.*, g.weight_pct AS goal_weight_pct
    FROM {{ ref('marts__scorecard') }} s
    LEFT JOIN {{ source('catalog', 'dim_goal') }} g USING (goal_id)
),
rolled AS (
    SELECT
        scorecard_id, year, as_of, goal_id,
        any_value(goal_weight_pct)::DOUBLE AS weight_pct,
        count(*) AS meters,
        count(*) FILTER (WHERE status = 'achieved') AS meters_achieved,
        count(*) FILTER (WHERE status = 'on_track') AS meters_on_track,
        count(*) FILTER (WHERE status = 'at_risk') AS meters_at_risk,
        count(*) FILTER (WHERE status = 'not_achieved') AS meters_not_achieved,
        count(*) FILTER (WHERE status = 'no_data') AS meters_no_data,
        sum(weighted_score) AS _score_sum
    FROM scored
    GROUP BY scorecard_id, year, as_of, goal_id
)
SELECT
    r.scorecard_id, r.year, r.as_of, r.goal_id, r.weight_pct, r.meters,
    r.meters_achieved, r.meters_on_track, r.meters_at_risk, r.meters_not_achieved, r.meters_no_data,
    st.status,
    l.label_fi AS status_fi,
    CASE WHEN r._score_sum IS NOT NULL AND coalesce(r.weight_pct, 0) <> 0
         THEN least(r._score_sum, r.weight_pct) END AS weighted_score
FROM rolled r
CROSS JOIN LATERAL (
    SELECT CASE
        WHEN r.meters_not_achieved > 0 THEN 'not_achieved'
        WHEN r.meters_at_risk > 0 THEN 'at_risk'
        WHEN r.meters_on_track > 0 THEN 'on_track'
        WHEN r.meters_achieved > 0 THEN 'achieved'
        ELSE 'no_data'
    END AS status
) st
LEFT JOIN {{ source('catalog', 'dim_label') }} l ON l.vocabulary = 'status' AND l.code = st.status
ORDER BY r.scorecard_id, r.year, r.as_of, r.goal_id
