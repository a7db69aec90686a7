/* ---
asset: staging.nps_responses
severity: ERROR
description: No press id of the run's range is also staged outside it, in another month; a repeat inside the range is the suite's uniqueness rule's (feedback_id_unique), so together they hold every id staged once.
why: A press counts once; the same id staged in two months would be counted in both.
--- */
-- Proportional to the run: the other months' presses whose id is among the run's (a
-- semi-join) are the only ones grouped, instead of every id ever staged. A full backfill
-- has no other months and costs nothing here; the suite's uniqueness rule has grouped its
-- range's ids already (grouping them again cost 1.3 s at city scale).
-- A repeat between two older months was reported when the later of them ran.
WITH run_ids AS (
    SELECT feedback_id
    FROM staging.nps_responses
    WHERE _partition_date BETWEEN $partition_start AND $partition_end
),
elsewhere AS (
    SELECT DISTINCT feedback_id
    FROM staging.nps_responses
    WHERE _partition_date NOT BETWEEN $partition_start AND $partition_end
      AND feedback_id IN (SELECT feedback_id FROM run_ids)
)
-- Every staged record of those ids, in and outside the range.
SELECT feedback_id, count(*) AS copies,
       string_agg(_source_file || ' record ' || _record_index, '; ' ORDER BY _source_file, _record_index) AS records
FROM staging.nps_responses
WHERE feedback_id IN (SELECT feedback_id FROM elsewhere)
GROUP BY feedback_id
ORDER BY feedback_id
