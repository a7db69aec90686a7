/* ---
description: Every check-in on a meter - the values and statuses the scorecard documents report, and goal owners' check-ins from the landing zone.
deps: [marts.fact_checkin, staging.checkins]
materialize: table
columns:
  meter_id: Meter.
  checkin_date: Day the check-in reports on.
  status: TEKEMÄTTÄ, TEKEILLÄ or TEHTY (milestones).
  progress_pct: Progress bar, 0-100.
  forecast: toteutuu, toteutumassa, epävarma or ei toteudu.
  forecast_round: The forecast round, e.g. 2/2021 (catalog check-ins).
  value: Reported value of the meter.
  origin: catalog (from the scorecard documents) or the landing file it came from.
--- */
-- Comments and authors stay in raw: staging.checkins has neither. On one meter and day a
-- landing check-in sorts after the catalog's, so it is the later row.
SELECT meter_id, checkin_date::DATE AS checkin_date, status, progress_pct::DOUBLE AS progress_pct,
       forecast, forecast_round, value::DOUBLE AS value, numerator::DOUBLE AS numerator,
       denominator::DOUBLE AS denominator, 'catalog' AS origin
FROM marts.fact_checkin
UNION ALL
SELECT meter_id, checkin_date, status, progress_pct::DOUBLE, forecast, NULL::VARCHAR, value::DOUBLE,
       NULL::DOUBLE, NULL::DOUBLE, _source_file
FROM staging.checkins
ORDER BY meter_id, checkin_date, origin <> 'catalog', origin
