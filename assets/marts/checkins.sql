/* ---
description: Every check-in on a meter - the values and statuses the scorecard documents report, and owners' later ones.
deps: [marts.fact_checkin]
materialize: table
columns:
  meter_id: Meter.
  checkin_date: Day the check-in reports on.
  status: TEKEMÄTTÄ, TEKEILLÄ or TEHTY (milestones).
  progress_pct: Progress bar, 0-100.
  forecast: toteutuu, toteutumassa, epävarma or ei toteudu.
  forecast_round: The forecast round, e.g. 2/2021.
  value: Reported value of the meter.
  origin: catalog (from the scorecard documents) or the landing file it came from.
--- */
SELECT meter_id, checkin_date::DATE AS checkin_date, status, progress_pct::DOUBLE AS progress_pct,
       forecast, forecast_round, value::DOUBLE AS value, numerator::DOUBLE AS numerator,
       denominator::DOUBLE AS denominator, 'catalog' AS origin
FROM marts.fact_checkin
ORDER BY meter_id, checkin_date
