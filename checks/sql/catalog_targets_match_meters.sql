/* ---
asset: catalog.dim_target
severity: ERROR
description: Every target row has its meter, and every meter has exactly one target, in the same scorecard and year.
why: The scorecard scores meters joined to their targets; a meter without a target silently leaves the scorecard, and a target without a meter is a catalog error.
requires: [catalog.dim_meter]
--- */
SELECT coalesce(t.meter_id, m.meter_id) AS meter_id,
       CASE WHEN m.meter_id IS NULL THEN 'target without a meter'
            WHEN t.meter_id IS NULL THEN 'meter without a target'
            ELSE 'target in ' || t.scorecard_id || ' ' || t.year || ', meter in ' || m.scorecard_id || ' ' || m.year
       END AS problem
FROM catalog.dim_target t
FULL JOIN catalog.dim_meter m USING (meter_id)
WHERE m.meter_id IS NULL OR t.meter_id IS NULL
   OR t.scorecard_id IS DISTINCT FROM m.scorecard_id OR t.year IS DISTINCT FROM m.year
ORDER BY 1
