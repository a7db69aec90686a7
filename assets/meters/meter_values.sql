/* ---
description: Every meter's values by period and service area - data-fed meters from their feeds, manual meters from check-ins.
deps: [meters.nps_measures, meters.hobihobi_measures, meters.varaamo_measures, meters.events_measures, meters.finance_measures, marts.dim_meter, marts.checkins]
materialize: table
columns:
  meter_id: Catalog meter.
  period_start: First day of the period (Helsinki calendar).
  period_end: Last day of the period; for ytd, the as-of day.
  grain: month, year, ytd (1 January to an as-of day) or checkin (a reported value on its day).
  service_area: KUVA for the division, else KIR, KULP, LIIKU or NUP.
  value: The meter's value for the period.
  numerator: Numerator behind a ratio value (e.g. promoters minus detractors).
  denominator: Denominator behind a ratio value (e.g. answers).
  row_count: Source rows behind the value.
--- */
WITH measures AS (
    SELECT source, measure, grain, period_start, period_end, service_area, value, numerator, denominator, row_count
    FROM meters.nps_measures
    UNION ALL
    SELECT source, measure, grain, period_start, period_end, service_area, value, numerator, denominator, row_count
    FROM meters.hobihobi_measures
    UNION ALL
    SELECT source, measure, grain, period_start, period_end, service_area, value, numerator, denominator, row_count
    FROM meters.varaamo_measures
    UNION ALL
    SELECT source, measure, grain, period_start, period_end, service_area, value, numerator, denominator, row_count
    FROM meters.events_measures
    UNION ALL
    SELECT source, measure, grain, period_start, period_end, service_area, value, numerator, denominator, row_count
    FROM meters.finance_measures
)
SELECT m.meter_id, v.period_start, v.period_end, v.grain, v.service_area,
       v.value, v.numerator, v.denominator, v.row_count
FROM marts.dim_meter m
JOIN measures v
  ON v.source = m.source AND v.measure = m.measure
 AND v.service_area = coalesce(m.service_area, 'KUVA')
UNION ALL
SELECT c.meter_id, c.checkin_date, c.checkin_date, 'checkin', coalesce(m.service_area, 'KUVA'),
       c.value, c.numerator, c.denominator, 1
FROM marts.checkins c
JOIN marts.dim_meter m USING (meter_id)
WHERE c.value IS NOT NULL
-- One value per meter and day: a landing check-in on the day of a catalog one is the later row.
QUALIFY row_number() OVER (
    PARTITION BY c.meter_id, c.checkin_date ORDER BY c.origin = 'catalog', c.origin DESC
) = 1
ORDER BY meter_id, grain, period_start
