/* ---
description: Published meter dimension - every catalog meter with its unit, direction, source binding, baseline and target form.
deps: [marts.dim_meter, marts.dim_target]
materialize: view
columns:
  meter_id: Meter, stable catalog id / Mittari.
  scorecard_id: Scorecard / Tuloskortti.
  goal_id: Goal / Tavoite.
  year: The scorecard's year / Vuosi.
  name_fi: Meter name in Finnish / Nimi.
  name_en: Meter name in English.
  unit: Unit of the values / Yksikkö.
  direction: higher or lower is better / Suunta.
  service_area: KUVA for the division, else a service area or unit / Palvelualue.
  source: Source that computes the meter, or checkin for a manual meter / Lähde.
  measure: Measure of the source.
  accumulation: cumulative, level, stock or milestone - how the value behaves through the year.
  baseline_value: Baseline; null for a new meter or one taken from data / Lähtötaso.
  baseline_period: Period of the baseline, e.g. 2019.
  is_new_meter: A new meter with no baseline (uusi mittari).
  recovery_meter: Recovery meter flag of the binding goals 2021 (palautusmittari).
  target_kind: Form of the target.
  weight_pct: Weight of the goal area, percent / Painoarvo.
--- */
SELECT m.meter_id, m.scorecard_id, m.goal_id, m.year, m.name_fi, m.name_en, m.unit, m.direction,
       m.service_area, m.source, m.measure, m.accumulation, m.baseline_value, m.baseline_period,
       m.is_new_meter, m.recovery_meter, t.target_kind, t.weight_pct
FROM marts.dim_meter m
JOIN marts.dim_target t USING (meter_id)
