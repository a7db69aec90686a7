/* ---
asset: catalog.dim_goal
severity: ERROR
description: The goal-area weights of every weighted scorecard sum to 100.
why: Weighted scores are points out of 100; weights that do not add up make every weighted score wrong.
requires: [catalog.dim_scorecard]
--- */
SELECT s.scorecard_id, sum(g.weight_pct) AS weight_sum, count(g.goal_id) AS goals,
       count(g.goal_id) FILTER (WHERE g.weight_pct IS NULL) AS goals_without_weight
FROM catalog.dim_scorecard s
LEFT JOIN catalog.dim_goal g USING (scorecard_id)
WHERE s.weighted
GROUP BY s.scorecard_id
HAVING sum(g.weight_pct) IS DISTINCT FROM 100 OR count(g.goal_id) FILTER (WHERE g.weight_pct IS NULL) > 0
ORDER BY 1
