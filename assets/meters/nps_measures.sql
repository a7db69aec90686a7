/* ---
description: NPS index and devices in use by month, year and year-to-date, per service area and for the whole division.
deps: [staging.nps_responses, marts.as_of_dates]
materialize: table
columns:
  source: Source system (nps).
  measure: nps_index (% promoters 9-10 minus % detractors 0-6) or devices_in_use.
  grain: month, year, or ytd (1 January to a scorecard as-of day); Helsinki calendar periods.
  service_area: KIR, KULP, LIIKU, NUP, or KUVA for the whole division.
  value: The measure's value for the period.
  numerator: nps_index - promoters minus detractors; devices_in_use - device count.
  denominator: nps_index - valid NPS answers; devices_in_use - NULL.
  row_count: Staging rows behind the value.
--- */
WITH answers AS (
    -- NPS counts only 0-10 answers to NPS surveys; misuse presses are left out.
    SELECT local_date, service_area, experience_point_id, button_index
    FROM staging.nps_responses
    WHERE is_nps_survey AND NOT is_misuse
),
periods AS (
    SELECT 'month' AS grain, date_trunc('month', local_date)::DATE AS period_start,
           (date_trunc('month', local_date) + INTERVAL 1 MONTH - INTERVAL 1 DAY)::DATE AS period_end, *
    FROM answers
    UNION ALL
    SELECT 'year', date_trunc('year', local_date)::DATE,
           (date_trunc('year', local_date) + INTERVAL 1 YEAR - INTERVAL 1 DAY)::DATE, *
    FROM answers
    UNION ALL
    SELECT 'ytd', make_date(d.year, 1, 1), d.as_of, a.*
    FROM (SELECT DISTINCT year, as_of FROM marts.as_of_dates) d
    JOIN answers a ON a.local_date BETWEEN make_date(d.year, 1, 1) AND d.as_of
),
by_area AS (
    SELECT grain, period_start, period_end,
           coalesce(service_area, 'KUVA') AS service_area,
           count(*) FILTER (WHERE button_index >= 9) AS promoters,
           count(*) FILTER (WHERE button_index <= 6) AS detractors,
           count(*) AS answers,
           count(DISTINCT experience_point_id) AS devices
    FROM periods
    GROUP BY GROUPING SETS ((grain, period_start, period_end, service_area), (grain, period_start, period_end))
)
SELECT 'nps' AS source, 'nps_index' AS measure, grain, period_start, period_end, service_area,
       round(100.0 * (promoters - detractors) / answers, 2) AS value,
       (promoters - detractors)::DOUBLE AS numerator, answers::DOUBLE AS denominator, answers AS row_count
FROM by_area
UNION ALL
SELECT 'nps', 'devices_in_use', grain, period_start, period_end, service_area,
       devices::DOUBLE, devices::DOUBLE, NULL::DOUBLE, answers
FROM by_area
ORDER BY measure, grain, period_start, service_area
