-- Each scorecard at each as-of day: status counts and, for a weighted scorecard (seed 004:
-- 30 / 30 / 40), the weighted total of its goal areas out of their weights. A goal area
-- without a weighted score adds nothing; scored_weight_pct says how much weight is behind it.
WITH weighted_cards AS (
    SELECT DISTINCT scorecard_id FROM {{ source('catalog', 'dim_goal') }} WHERE weight_pct IS NOT NULL
),
totals AS (
    SELECT
        scorecard_id, year, as_of,
        count(*) AS goals,
        sum(meters) AS meters,
        sum(meters_achieved) AS meters_achieved,
        sum(meters_on_track) AS meters_on_track,
        sum(meters_at_risk) AS meters_at_risk,
        sum(meters_not_achieved) AS meters_not_achieved,
        sum(meters_no_data) AS meters_no_data,
        coalesce(sum(weighted_score), 0) AS _total,
        sum(weight_pct) AS _weights,
        coalesce(sum(weight_pct) FILTER (WHERE weighted_score IS NOT NULL), 0) AS _scored
    FROM {{ ref('marts__goal_scores') }}
    GROUP BY scorecard_id, year, as_of
)
SELECT
    t.scorecard_id, t.year, t.as_of,
    w.scorecard_id IS NOT NULL AS weighted,
    t.goals, t.meters::BIGINT AS meters,
    t.meters_achieved::BIGINT AS meters_achieved, t.meters_on_track::BIGINT AS meters_on_track,
    t.meters_at_risk::BIGINT AS meters_at_risk, t.meters_not_achieved::BIGINT AS meters_not_achieved,
    t.meters_no_data::BIGINT AS meters_no_data,
    CASE WHEN w.scorecard_id IS NOT NULL THEN t._total END AS total_weighted_score,
    CASE WHEN w.scorecard_id IS NOT NULL THEN t._weights END AS max_weighted_score,
    CASE WHEN w.scorecard_id IS NOT NULL THEN t._total / t._weights END AS weighted_share,
    CASE WHEN w.scorecard_id IS NOT NULL THEN t._scored END AS scored_weight_pct
FROM totals t
LEFT JOIN weighted_cards w USING (scorecard_id)
ORDER BY t.scorecard_id, t.year, t.as_of
