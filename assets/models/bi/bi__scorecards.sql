-- Each scorecard at each as-of day, with what its headline and freshness line need:
-- the tier its weighted total reaches, the last day of feed data behind it, and how many
-- of its meters have data problems.
WITH feed_data AS (
    -- The last day of a complete month (or year) of feed data behind the scorecard's
    -- feed meters, up to the as-of day.
    SELECT s.scorecard_id, s.as_of, max(v.period_end) AS data_until
    FROM {{ ref('marts__scorecard') }} s
    JOIN {{ source('catalog', 'dim_meter') }} m USING (meter_id)
    JOIN {{ ref('meters__meter_values') }} v
      ON v.meter_id = s.meter_id AND v.grain IN ('month', 'year') AND v.period_end <= s.as_of
    WHERE s.value_origin = 'feed' OR coalesce(m.source, 'checkin') <> 'checkin'
    GROUP BY s.scorecard_id, s.as_of
),
problems AS (
    SELECT scorecard_id, as_of,
           count(*) FILTER (WHERE data_quality IS NOT NULL AND data_quality <> 'ok') AS meters_data_problems
    FROM {{ ref('marts__scorecard') }}
    GROUP BY scorecard_id, as_of
),
tiered AS (
    -- Tier points are evenly spaced thirds of a weight (kuva_pipeline.scoring.labels.TIER_POINTS),
    -- so the total's tier is the number of whole thirds of the maximum it reaches; the small
    -- tolerance keeps 66.666... of 100 at the challenging level despite floating point.
    SELECT scorecard_id, as_of,
           CASE
               WHEN weighted_share IS NULL THEN NULL
               WHEN weighted_share >= 1 - 1e-9 THEN 'exceptional'
               WHEN weighted_share >= 2 / 3 - 1e-9 THEN 'challenging'
               WHEN weighted_share >= 1 / 3 - 1e-9 THEN 'minimum'
               ELSE 'none'
           END AS tier
    FROM {{ ref('marts__scorecard_totals') }}
)
SELECT t.scorecard_id, t.year, d.title_fi, d.title_en, t.as_of, t.weighted, t.goals, t.meters,
       t.meters_achieved, t.meters_on_track, t.meters_at_risk, t.meters_not_achieved,
       t.meters_no_data, t.total_weighted_score, t.max_weighted_score, t.weighted_share,
       t.scored_weight_pct,
       ti.tier, tl.label_fi AS tier_fi, tl.label_en AS tier_en,
       f.data_until, coalesce(p.meters_data_problems, 0)::BIGINT AS meters_data_problems
FROM {{ ref('marts__scorecard_totals') }} t
JOIN {{ source('catalog', 'dim_scorecard') }} d USING (scorecard_id)
LEFT JOIN tiered ti USING (scorecard_id, as_of)
LEFT JOIN {{ source('catalog', 'dim_label') }} tl ON tl.vocabulary = 'tier' AND tl.code = ti.tier
LEFT JOIN feed_data f USING (scorecard_id, as_of)
LEFT JOIN problems p USING (scorecard_id, as_of)
