/* ---
description: Published goals - each goal's meters rolled up at each as-of day, with the goal-area weight and weighted score.
deps: [marts.goal_scores, marts.dim_goal]
materialize: view
columns:
  scorecard_id: Scorecard / Tuloskortti.
  year: The scorecard's year / Vuosi.
  as_of: Day scored / Tarkastelupäivä.
  goal_id: Goal, stable catalog id / Tavoite.
  theme_fi: City strategy theme in Finnish / Kaupunkistrategian teema.
  theme_en: City strategy theme in English.
  goal_fi: Goal text in Finnish (the document's original) / Tavoite.
  goal_en: Goal text in English.
  goal_area_fi: Goal area in Finnish (weighted scorecards) / Tavoitealue.
  goal_area_en: Goal area in English.
  binding: A binding goal set by the City Council / Sitova tavoite.
  weight_pct: Weight of the goal area, percent / Painoarvo.
  meters: Meters of the goal.
  meters_achieved: Meters achieved.
  meters_on_track: Meters on track.
  meters_at_risk: Meters at risk.
  meters_not_achieved: Meters not achieved.
  meters_no_data: Meters without data.
  status: Worst status among the goal's meters with data; no_data when none has data.
  status_fi: Status in Finnish / Tila.
  weighted_score: Points earned towards the goal area's weight / Painotettu pistemäärä.
--- */
SELECT s.scorecard_id, s.year, s.as_of, s.goal_id,
       g.theme_fi, g.theme_en, g.goal_fi, g.goal_en, g.goal_area_fi, g.goal_area_en, g.binding,
       s.weight_pct, s.meters, s.meters_achieved, s.meters_on_track, s.meters_at_risk,
       s.meters_not_achieved, s.meters_no_data, s.status, s.status_fi, s.weighted_score
FROM marts.goal_scores s
JOIN marts.dim_goal g USING (goal_id)
