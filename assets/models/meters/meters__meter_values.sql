{{ config(materialized='table') }}
WITH measures AS (
    SELECT source, measure, grain, period_start, period_end, service_area, value, numerator, denominator, row_count
    FROM {{ ref('meters__nps_measures') }}
    UNION ALL
    SELECT source, measure, grain, period_start, period_end, service_area, value, numerator, denominator, row_count
    FROM {{ ref('meters__hobihobi_measures') }}
    UNION ALL
    SELECT source, measure, grain, period_start, period_end, service_area, value, numerator, denominator, row_count
    FROM {{ ref('meters__varaamo_measures') }}
    UNION ALL
    SELECT source, measure, grain, period_start, period_end, service_area, value, numerator, denominator, row_count
    FROM {{ ref('meters__events_measures') }}
    UNION ALL
    SELECT source, measure, grain, period_start, period_end, service_area, value, numerator, denominator, row_count
    FROM {{ ref('meters__finance_measures') }}
)
SELECT m.meter_id, v.period_start, v.period_end, v.grain, v.service_area,
       v.value, v.numerator, v.denominator, v.row_count
FROM {{ source('catalog', 'dim_meter') }} m
JOIN measures v
  ON v.source = m.source AND v.measure = m.measure
 AND v.service_area = coalesce(m.service_area, {{ division_area() }})
UNION ALL
SELECT c.meter_id, c.checkin_date, c.checkin_date, 'checkin', coalesce(m.service_area, {{ division_area() }}),
       c.value, c.numerator, c.denominator, 1
FROM {{ ref('meters__checkins') }} c
JOIN {{ source('catalog', 'dim_meter') }} m USING (meter_id)
WHERE c.value IS NOT NULL
-- One value per meter and day: a landing check-in on the day of a catalog one is the later row.
QUALIFY row_number() OVER (
    PARTITION BY c.meter_id, c.checkin_date ORDER BY c.origin = 'catalog', c.origin DESC
) = 1
ORDER BY meter_id, grain, period_start
