/* ---
asset: staging.finance
severity: ERROR
description: Every raw finance row is either staged or quarantined, exactly once, over the whole table (it is reloaded whole).
why: raw = staging + quarantine is the promise that nothing is lost or invented on the way to the meters.
requires: [raw.finance, quarantine.finance]
--- */
WITH raw AS (
    SELECT _source_file, _record_index, count(*) AS n FROM raw.finance GROUP BY ALL
),
landed AS (
    SELECT _source_file, _record_index, count(*) AS n
    FROM (
        SELECT _source_file, _record_index FROM staging.finance
        UNION ALL
        SELECT _source_file, _record_index FROM quarantine.finance
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
