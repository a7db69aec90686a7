{{ config(materialized='table') }}
-- What the scoring engine needs for one meter on one as-of day, one row each: the catalog's
-- meter and target, the baseline (the catalog's, or the feed's own value for a period such
-- as TP2020), the value to date (the feed's year-to-date, or the owner's latest check-in),
-- the owner's latest check-in and forecast, the baseline year's monthly profile and the
-- health of the feed. marts.scorecard scores each row with
-- kuva_pipeline.scoring.score_meter_day; the rules live there, the gathering here.
WITH meters AS (
    SELECT m.scorecard_id, m."year", m.goal_id, m.meter_id, m.name_fi AS meter_name_fi,
           m.name_en AS meter_name_en, m.service_area, m.unit, m.direction, m.accumulation,
           m.source, m.baseline_value AS catalog_baseline, m.baseline_period,
           t.target_kind, t.target_json, t.weight_pct
    FROM {{ source('catalog', 'dim_meter') }} m
    JOIN {{ source('catalog', 'dim_target') }} t USING (meter_id)
),
days AS (
    SELECT m.*, d.as_of, d.as_of_kind
    FROM meters m
    JOIN {{ ref('catalog__as_of_dates') }} d USING (scorecard_id)
),
checkins AS (
    -- On one meter and day a landing check-in is the later row (meters.checkins).
    SELECT meter_id, checkin_date, status, progress_pct, forecast, value,
           row_number() OVER (
               PARTITION BY meter_id ORDER BY checkin_date, origin <> 'catalog', origin) AS seq
    FROM {{ ref('meters__checkins') }}
),
known AS (
    -- As known on the day: the latest check-in's status and progress, the latest forecast
    -- given and the latest value reported, each from check-ins dated by then.
    SELECT d.meter_id, d.as_of,
           arg_max({'status': c.status, 'progress_pct': c.progress_pct}, c.seq) AS latest,
           arg_max(c.forecast, c.seq) FILTER (WHERE coalesce(c.forecast, '') <> '') AS manual_forecast,
           arg_max(c.value, c.seq) FILTER (WHERE c.value IS NOT NULL) AS checkin_value
    FROM days d
    JOIN checkins c ON c.meter_id = d.meter_id AND c.checkin_date <= d.as_of
    GROUP BY d.meter_id, d.as_of
),
values_by_grain AS (
    SELECT meter_id, grain, period_start, period_end, value, row_count
    FROM {{ ref('meters__meter_values') }}
    WHERE grain IN ('ytd', 'year', 'month')
),
profiles AS (
    -- Each meter's monthly values of a year, January to December (a month without a row is 0).
    SELECT meter_id, year(period_start) AS "year",
           [{% for mo in range(1, 13) %}coalesce(max(value) FILTER (WHERE month(period_start) = {{ mo }}), 0.0){{ ', ' if not loop.last }}{% endfor %}]::DOUBLE[] AS months
    FROM values_by_grain
    WHERE grain = 'month'
    GROUP BY meter_id, year(period_start)
),
gathered AS (
    SELECT d.*,
           ytd.value AS feed_value, CASE WHEN d.source <> 'checkin' THEN ytd.row_count END AS row_count,
           k.latest.status AS checkin_status, k.latest.progress_pct AS progress_pct,
           k.manual_forecast, k.checkin_value,
           -- "vs TP2020": without a catalog value, the baseline is the feed's own value
           -- for the year its period names ("2020", "TP2020").
           CASE WHEN d.catalog_baseline IS NULL AND d.source <> 'checkin'
                     AND coalesce(d.baseline_period, '') <> ''
                THEN base.value END AS data_baseline,
           CASE WHEN d.accumulation = 'cumulative' THEN p.months END AS seasonal_profile
    FROM days d
    LEFT JOIN known k USING (meter_id, as_of)
    LEFT JOIN values_by_grain ytd
      ON ytd.meter_id = d.meter_id AND ytd.grain = 'ytd' AND ytd.period_end = d.as_of
    LEFT JOIN values_by_grain base
      ON base.meter_id = d.meter_id AND base.grain = 'year'
     AND year(base.period_start) = try_cast(nullif(regexp_extract(d.baseline_period, '(19|20)\d\d', 0), '') AS INTEGER)
    -- The seasonal profile is the baseline year's, when the period starts with the year.
    LEFT JOIN profiles p
      ON p.meter_id = d.meter_id AND p."year" = try_cast(left(d.baseline_period, 4) AS INTEGER)
),
sourced AS (
    SELECT *,
           CASE WHEN source = 'checkin' OR (feed_value IS NULL AND checkin_value IS NOT NULL)
                THEN 'checkin' ELSE 'feed' END AS value_origin,
           CASE WHEN source = 'checkin' THEN checkin_value
                ELSE coalesce(feed_value, checkin_value) END AS actual_value
    FROM gathered
),
health AS (
    {{ source_health("(SELECT source, as_of FROM sourced WHERE value_origin = 'feed')",
                     source('quality', 'check_results')) }}
)
SELECT s.scorecard_id, s."year", s.goal_id, s.meter_id, s.meter_name_fi, s.meter_name_en,
       s.service_area, s.unit, s.direction, s.accumulation, s.source,
       s.target_kind, s.target_json, s.weight_pct,
       s.as_of, s.as_of_kind,
       coalesce(s.catalog_baseline, s.data_baseline) AS baseline_value,
       s.data_baseline IS NOT NULL AS baseline_from_data,
       s.seasonal_profile,
       s.actual_value, s.value_origin, s.row_count,
       s.checkin_status, s.progress_pct, s.manual_forecast,
       -- A feed that failed a blocking check or went stale cannot vouch for its value,
       -- nor for its absence: the meter is no_data with the reason, never red or green.
       CASE WHEN h.data_quality <> 'ok' THEN h.data_quality
            WHEN s.actual_value IS NULL AND s.value_origin = 'feed' THEN 'missing'
            ELSE 'ok' END AS data_quality,
       CASE WHEN h.data_quality <> 'ok' THEN h.data_quality_reason
            WHEN s.actual_value IS NULL AND s.value_origin = 'feed'
                THEN 'no ' || s.source || ' data for ' || s."year" || ' up to ' || s.as_of::VARCHAR
       END AS data_quality_reason
FROM sourced s
LEFT JOIN health h ON h.source = s.source AND h.as_of = s.as_of AND s.value_origin = 'feed'
ORDER BY s.scorecard_id, s.goal_id, s.meter_id, s.as_of
