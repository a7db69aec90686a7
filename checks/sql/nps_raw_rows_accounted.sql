/* ---
asset: staging.nps_responses
severity: ERROR
description: Every raw NPS press of the range is either staged or quarantined, exactly once.
why: raw = staging + quarantine is the promise that nothing is lost or invented on the way to the meters; a gap means the staging model dropped or duplicated rows.
requires: [raw.nps_feedback, quarantine.nps_responses]
--- */
WITH raw AS (
    SELECT _source_file, _record_index, count(*) AS n
    FROM raw.nps_feedback
    WHERE _partition_date BETWEEN $partition_start AND $partition_end
    GROUP BY ALL
),
landed AS (
    SELECT _source_file, _record_index, count(*) AS n
    FROM (
        SELECT _source_file, _record_index FROM staging.nps_responses
        WHERE _partition_date BETWEEN $partition_start AND $partition_end
        UNION ALL
        SELECT _source_file, _record_index FROM quarantine.nps_responses
        WHERE _partition_date BETWEEN $partition_start AND $partition_end
    )
    GROUP BY ALL
)
SELECT coalesce(r._source_file, l._source_file) AS _source_file,
       coalesce(r._record_index, l._record_index) AS _record_index,
       coalesce(r.n, 0) AS in_raw,
       coalesce(l.n, 0) AS staged_or_quarantined
FROM raw r
FULL JOIN landed l USING (_source_file, _record_index)
WHERE coalesce(r.n, 0) <> coalesce(l.n, 0)
ORDER BY 1, 2
