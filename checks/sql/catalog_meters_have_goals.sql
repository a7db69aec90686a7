/* ---
asset: catalog.dim_meter
severity: ERROR
description: Every meter belongs to a goal of its own scorecard, and every goal to a loaded scorecard.
why: Meters are rolled up by goal and scorecard; an orphan is scored but never shown, or shown under the wrong scorecard.
requires: [catalog.dim_goal, catalog.dim_scorecard]
--- */
SELECT 'meter' AS kind, m.meter_id AS id,
       CASE WHEN g.goal_id IS NULL THEN 'goal ' || m.goal_id || ' does not exist'
            ELSE 'goal ' || g.goal_id || ' belongs to ' || g.scorecard_id || ', the meter to ' || m.scorecard_id END AS problem
FROM catalog.dim_meter m
LEFT JOIN catalog.dim_goal g USING (goal_id)
WHERE g.goal_id IS NULL OR g.scorecard_id <> m.scorecard_id
UNION ALL
SELECT 'goal', g.goal_id, 'scorecard ' || g.scorecard_id || ' does not exist'
FROM catalog.dim_goal g
LEFT JOIN catalog.dim_scorecard s USING (scorecard_id)
WHERE s.scorecard_id IS NULL
ORDER BY 1, 2
