/* ---
asset: staging.nps_responses
severity: ERROR
description: No press id appears twice anywhere in staging, across all months (the suite's uniqueness rule sees one run's range).
why: A press counts once; the same id staged in two months would be counted in both.
--- */
SELECT feedback_id, count(*) AS copies,
       string_agg(_source_file || ' record ' || _record_index, '; ' ORDER BY _source_file, _record_index) AS records
FROM staging.nps_responses
GROUP BY feedback_id
HAVING count(*) > 1
ORDER BY feedback_id
