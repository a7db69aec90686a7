/* ---
asset: meters.finance_measures
severity: ERROR
description: The unit cost's cost and outputs per year equal the sums of the staged finance rows, for the division and every area.
why: The unit cost is a ratio of two sums; if either differs from the rows it comes from, the meter is wrong.
requires: [staging.finance]
--- */
WITH staged AS (
    SELECT "year", coalesce(service_area, (SELECT code FROM staging.ref_service_areas WHERE kind = 'division')) AS service_area,
           sum(cost_eur)::DOUBLE AS cost_eur, sum(outputs)::DOUBLE AS outputs
    FROM staging.finance
    GROUP BY GROUPING SETS (("year", service_area), ("year"))
    HAVING sum(outputs) > 0
),
metered AS (
    SELECT year(period_start) AS "year", service_area, numerator AS cost_eur, denominator AS outputs
    FROM meters.finance_measures
    WHERE measure = 'unit_cost' AND grain = 'year'
)
SELECT coalesce(s."year", m."year") AS "year",
       coalesce(s.service_area, m.service_area) AS service_area,
       s.cost_eur AS staging_cost_eur, m.cost_eur AS meter_cost_eur,
       s.outputs AS staging_outputs, m.outputs AS meter_outputs
FROM staged s
FULL JOIN metered m USING ("year", service_area)
WHERE abs(coalesce(s.cost_eur, 0) - coalesce(m.cost_eur, 0)) > 0.005
   OR s.cost_eur IS NULL OR m.cost_eur IS NULL
   OR s.outputs IS DISTINCT FROM m.outputs
ORDER BY 1, 2
