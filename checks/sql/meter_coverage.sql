/* ---
asset: meters.meter_values
severity: WARN
description: Every data-fed meter has a year or year-to-date value for its scorecard's year, once that year has begun.
why: A meter without values is scored no_data, never a colour, so coverage gaps are reported rather than blocking; they usually mean a source whose measures are not built yet or a feed that has not arrived.
requires: [catalog.dim_meter]
--- */
SELECT m.meter_id, m.source, m.measure, m.year,
       'no year or year-to-date value for ' || m.year AS problem
FROM catalog.dim_meter m
WHERE m.source <> 'checkin'
  AND make_date(m.year::INTEGER, 1, 1) <= current_date
  AND NOT EXISTS (
      SELECT 1 FROM meters.meter_values v
      WHERE v.meter_id = m.meter_id
        AND v.grain IN ('year', 'ytd')
        AND year(v.period_start) = m.year
  )
ORDER BY m.source, m.meter_id
