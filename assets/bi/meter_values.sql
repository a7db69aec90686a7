/* ---
description: Published meter values - every meter by month, year, year-to-date and check-in, per service area.
deps: [meters.meter_values, marts.dim_meter]
materialize: view
columns:
  meter_id: Meter, stable catalog id / Mittari.
  meter_name_fi: Meter name in Finnish.
  meter_name_en: Meter name in English.
  period_start: First day of the period, Helsinki calendar / Jakson alku.
  period_end: Last day of the period; for ytd, the as-of day / Jakson loppu.
  grain: month, year, ytd (1 January to an as-of day) or checkin (a value an owner reported that day).
  service_area: KUVA for the division, else KIR, KULP, LIIKU or NUP / Palvelualue.
  value: The meter's value for the period / Arvo.
  numerator: Numerator behind a ratio (e.g. NPS promoters minus detractors).
  denominator: Denominator behind a ratio (e.g. NPS answers).
  row_count: Source rows behind the value.
--- */
SELECT v.meter_id, m.name_fi AS meter_name_fi, m.name_en AS meter_name_en,
       v.period_start, v.period_end, v.grain, v.service_area,
       v.value, v.numerator, v.denominator, v.row_count
FROM meters.meter_values v
JOIN marts.dim_meter m USING (meter_id)
