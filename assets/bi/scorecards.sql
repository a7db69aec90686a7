/* ---
description: Published scorecard totals - each scorecard at each as-of day with status counts and its weighted total.
deps: [marts.scorecard_totals, marts.dim_scorecard]
materialize: view
columns:
  scorecard_id: Scorecard / Tuloskortti.
  year: The scorecard's year / Vuosi.
  title_fi: Title in Finnish / Otsikko.
  title_en: Title in English.
  as_of: Day scored / Tarkastelupäivä.
  weighted: The scorecard weighs its goal areas (seed 004) / Painotettu.
  goals: Goals on the scorecard.
  meters: Meters on the scorecard.
  meters_achieved: Meters achieved.
  meters_on_track: Meters on track.
  meters_at_risk: Meters at risk.
  meters_not_achieved: Meters not achieved.
  meters_no_data: Meters without data.
  total_weighted_score: Weighted total out of max_weighted_score / Painotettu kokonaispistemäärä.
  max_weighted_score: Sum of the goal-area weights (100).
  weighted_share: Weighted total over its maximum, 0-1.
  scored_weight_pct: Weight behind the total - goal areas that have a score.
--- */
SELECT t.scorecard_id, t.year, d.title_fi, d.title_en, t.as_of, t.weighted, t.goals, t.meters,
       t.meters_achieved, t.meters_on_track, t.meters_at_risk, t.meters_not_achieved,
       t.meters_no_data, t.total_weighted_score, t.max_weighted_score, t.weighted_share,
       t.scored_weight_pct
FROM marts.scorecard_totals t
JOIN marts.dim_scorecard d USING (scorecard_id)
