/* ---
asset: staging.nps_responses
severity: ERROR
description: No press id of the run's range appears twice anywhere in staging, across all months (the suite's uniqueness rule sees one run's range).
why: A press counts once; the same id staged in two months would be counted in both.
--- */
-- Proportional to the run: the run's presses, and those of other months whose id is
-- among them (a semi-join), are grouped by id, instead of every id ever staged; a full
-- backfill groups each id once, with no semi-join (its other months are none).
-- A repeat between two older months was reported when the later of them ran.
-- The records of an id are listed only for the repeated ones: listing them for
-- every id of a full backfill (millions) and dropping all but a few cost seconds.
WITH run_ids AS (
    SELECT feedback_id
    FROM staging.nps_responses
    WHERE _partition_date BETWEEN $partition_start AND $partition_end
),
repeated AS (
    SELECT feedback_id FROM (
        SELECT feedback_id FROM run_ids
        UNION ALL
        SELECT feedback_id
        FROM staging.nps_responses
        WHERE _partition_date NOT BETWEEN $partition_start AND $partition_end
          AND feedback_id IN (SELECT feedback_id FROM run_ids)
    )
    GROUP BY feedback_id
    HAVING count(*) > 1
)
SELECT feedback_id, count(*) AS copies,
       string_agg(_source_file || ' record ' || _record_index, '; ' ORDER BY _source_file, _record_index) AS records
FROM staging.nps_responses
WHERE feedback_id IN (SELECT feedback_id FROM repeated)
GROUP BY feedback_id
ORDER BY feedback_id
