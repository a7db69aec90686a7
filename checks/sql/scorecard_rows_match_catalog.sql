/* ---
asset: marts.scorecard
severity: ERROR
description: The scorecard has exactly one row per catalog meter and as-of day of its scorecard.
why: A meter missing from the scorecard disappears from BI unnoticed, and a repeated one doubles its weight; blocking keeps such a scorecard from being published.
requires: [catalog.dim_meter, catalog.as_of_dates]
--- */
WITH expected AS (
    SELECT m.scorecard_id, m.meter_id, d.as_of
    FROM catalog.dim_meter m
    JOIN (SELECT DISTINCT scorecard_id, as_of FROM catalog.as_of_dates) d USING (scorecard_id)
),
actual AS (
    SELECT scorecard_id, meter_id, as_of::DATE AS as_of, count(*) AS n
    FROM marts.scorecard
    GROUP BY ALL
)
SELECT coalesce(e.scorecard_id, a.scorecard_id) AS scorecard_id,
       coalesce(e.meter_id, a.meter_id) AS meter_id,
       coalesce(e.as_of, a.as_of) AS as_of,
       CASE WHEN a.meter_id IS NULL THEN 'missing from marts.scorecard'
            WHEN e.meter_id IS NULL THEN 'not a catalog meter on this as-of day'
            ELSE 'scored ' || a.n || ' times' END AS problem
FROM expected e
FULL JOIN actual a USING (scorecard_id, meter_id, as_of)
WHERE a.meter_id IS NULL OR e.meter_id IS NULL OR a.n <> 1
ORDER BY 1, 2, 3
