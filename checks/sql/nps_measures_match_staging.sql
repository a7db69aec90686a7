/* ---
asset: meters.nps_measures
severity: ERROR
description: The NPS meter's answers per month and year equal the valid NPS answers in staging, for the division and for every service area, in the years holding the days the run refreshed (every year in a full refresh).
why: A meter total that does not add up to the rows it comes from is a broken meter, whatever its colour; the scorecard must not score it.
requires: [staging.nps_responses]
--- */
-- Only the years holding the run's days are compared: a nightly run changes the answers of
-- its own month and year, and reconciling those alone keeps the check's cost off the history
-- (a 3-year city warehouse: 0.11 s for every year, 0.01 s for one).
WITH monthly AS (
    -- The valid NPS answers per month and service area: a few hundred rows, from which the
    -- months, the years and the division's totals are added up below.
    SELECT date_trunc('month', local_date)::DATE AS period_start,
           coalesce(service_area, (SELECT code FROM staging.ref_service_areas WHERE kind = 'division')) AS service_area,
           count(*) AS answers
    FROM staging.nps_responses
    WHERE is_nps_survey AND NOT is_misuse
      AND local_date BETWEEN date_trunc('year', $affected_start)::DATE AND make_date(year($affected_end), 12, 31)
    GROUP BY ALL
),
staged AS (
    SELECT grain, period_start, service_area, sum(answers) AS answers
    FROM (
        SELECT 'month' AS grain, period_start, service_area, answers FROM monthly
        UNION ALL
        SELECT 'year', date_trunc('year', period_start)::DATE, service_area, answers FROM monthly
    )
    GROUP BY GROUPING SETS ((grain, period_start, service_area), (grain, period_start))
),
staged_named AS (
    SELECT grain, period_start, coalesce(service_area, (SELECT code FROM staging.ref_service_areas WHERE kind = 'division')) AS service_area, sum(answers) AS answers
    FROM staged GROUP BY ALL
),
metered AS (
    SELECT grain, period_start, service_area, denominator::BIGINT AS answers
    FROM meters.nps_measures
    WHERE measure = 'nps_index' AND grain IN ('month', 'year')
      AND period_start BETWEEN date_trunc('year', $affected_start)::DATE AND make_date(year($affected_end), 12, 31)
)
SELECT coalesce(s.grain, m.grain) AS grain,
       coalesce(s.period_start, m.period_start) AS period_start,
       coalesce(s.service_area, m.service_area) AS service_area,
       s.answers AS staging_answers,
       m.answers AS meter_answers
FROM staged_named s
FULL JOIN metered m USING (grain, period_start, service_area)
WHERE s.answers IS DISTINCT FROM m.answers
ORDER BY 1, 2, 3
