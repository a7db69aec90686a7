/* ---
asset: staging.nps_responses
severity: ERROR
description: No press id of the run's range is also staged outside it, in another month; a repeat inside the range is the suite's uniqueness rule's (feedback_id_unique), so together they hold every id staged once.
why: A press counts once; the same id staged in two months would be counted in both.
--- */
-- The staged presses of every month whose id is among the run's, kept when one of them
-- lies outside the run's range. The search is a semi-join whose hash table holds the run's
-- ids: written as a search of the other months only, DuckDB estimated that filtered scan
-- at a fifth of its table and built its table on the other months instead (a 3-year
-- warehouse, one month's run: 0.57-0.78 s against 0.40-0.50 s). `others` stops it all
-- when no other month is staged (a full backfill): it would group every press in vain.
-- A repeat inside the range is the suite's uniqueness rule's; a repeat between two older
-- months was reported when the later of them ran.
WITH others AS (
    SELECT 1
    FROM staging.nps_responses
    WHERE _partition_date NOT BETWEEN $partition_start AND $partition_end
    LIMIT 1
),
run_ids AS (
    SELECT feedback_id
    FROM staging.nps_responses
    WHERE _partition_date BETWEEN $partition_start AND $partition_end
      AND EXISTS (SELECT * FROM others)
)
-- Every staged record of those ids, in and outside the range.
SELECT feedback_id, count(*) AS copies,
       string_agg(_source_file || ' record ' || _record_index, '; ' ORDER BY _source_file, _record_index) AS records
FROM staging.nps_responses
WHERE feedback_id IN (SELECT feedback_id FROM run_ids)
GROUP BY feedback_id
HAVING bool_or(_partition_date NOT BETWEEN $partition_start AND $partition_end)
ORDER BY feedback_id
