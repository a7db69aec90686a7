/* ---
description: Published scorecard - one row per scorecard, meter and as-of day, scored, with its explanation.
deps: [marts.scorecard]
materialize: view
columns:
  scorecard_id: Scorecard (unit and year) / Tuloskortti.
  year: The scorecard's year / Vuosi.
  goal_id: Goal the meter measures (catalog id) / Tavoite.
  meter_id: Meter, stable catalog id / Mittari.
  meter_name_fi: Meter name in Finnish / Mittarin nimi suomeksi.
  meter_name_en: Meter name in English / Mittarin nimi englanniksi.
  service_area: KUVA for the division, else KIR, KULP, LIIKU, NUP or the unit of the scorecard / Palvelualue.
  unit: Unit of the values / Yksikkö.
  direction: higher or lower is better / Suunta.
  baseline_value: Baseline; null for a new meter / Lähtötaso.
  baseline_from_data: The baseline is the feed's own value for the baseline period (e.g. TP2020).
  target_kind: Form of the target - at_least, at_most, range, relative_change, keep_baseline, ratio, milestone, tiers.
  target_min: Lower bound of the year's target resolved against the baseline; null when open / Tavoitteen alaraja.
  target_max: Upper bound of the year's target; null when open / Tavoitteen yläraja.
  tier_minimum: Minimum tier threshold (tiered targets) / Minimitaso.
  tier_challenging: Challenging tier threshold / Haastava tavoitetaso.
  tier_exceptional: Exceptional tier threshold / Poikkeuksellinen taso.
  weight_pct: Weight of the goal area in a weighted scorecard, percent / Painoarvo.
  actual_value: Value to the as-of day - year to date for feeds, latest check-in for manual meters / Toteuma.
  value_origin: feed or checkin - where the actual value came from.
  attainment_pct: Attainment of the target in percent, 100 exactly at the target / Toteutumisaste.
  status: achieved, on_track, at_risk, not_achieved or no_data.
  status_fi: Status in Finnish / Tila.
  tier: Tier reached - none, minimum, challenging or exceptional / Saavutettu taso.
  weighted_score: Points earned towards the goal area's weight / Painotettu pistemäärä.
  forecast_value: Projected year-end value / Ennuste vuoden lopulle.
  manual_forecast: The owner's latest forecast - toteutuu, toteutumassa, epävarma, ei toteudu / Omistajan ennuste.
  forecast_disagrees: The projection and the owner's forecast disagree.
  as_of: Day scored / Tarkastelupäivä.
  as_of_kind: document (the source document's date) or latest (year end, or yesterday in the running year).
  data_quality: ok, failed, stale or missing - the state of the feed behind the value / Tiedon laatu.
  row_count: Source rows behind the value.
  explanation: The rule applied, its inputs, the rows behind them and the code version, in English.
  explanation_fi: The same in Finnish / Perustelu.
--- */
SELECT
    scorecard_id, year, goal_id, meter_id, meter_name_fi, meter_name_en, service_area, unit,
    direction, baseline_value, baseline_from_data, target_kind, target_min, target_max,
    tier_minimum, tier_challenging, tier_exceptional, weight_pct, actual_value, value_origin,
    attainment_pct, status, status_fi, coalesce(tier, 'none') AS tier, weighted_score,
    forecast_value, manual_forecast, forecast_disagrees, as_of, as_of_kind, data_quality,
    row_count, explanation, explanation_fi
FROM marts.scorecard
