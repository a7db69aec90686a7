{#
  raw = staging + quarantine: every raw record of the run's days (all of them for an
  unpartitioned source) reaches the typed model exactly once, and the typed model holds
  nothing raw does not. Its staging and quarantine views split it by _reject_reason, so
  this one test speaks for both. Failing rows name the file and record.
#}
{% test raw_rows_accounted(model, raw_tables, windowed=true) %}
WITH records AS NOT MATERIALIZED (
    {% for table in raw_tables %}
    SELECT _source_file, _record_index, true AS __in_raw FROM {{ source('raw', table) }}
    {% if windowed %}WHERE _partition_date BETWEEN {{ window_start() }} AND {{ window_end() }}{% endif %}
    UNION ALL
    {% endfor %}
    SELECT _source_file, _record_index, false AS __in_raw FROM {{ model }}
    {% if windowed %}WHERE _partition_date BETWEEN {{ window_start() }} AND {{ window_end() }}{% endif %}
),
differing_files AS (
    -- Per file, both sides' record count and the sum of their record numbers' 64-bit
    -- hashes: a file whose records differ (one lost, repeated or invented) differs in
    -- one or the other, bar a coincidence of 2^-64. Grouping by file is a thousand
    -- groups where grouping by record was ten million (the city sample's NPS presses:
    -- about 2.8 s).
    SELECT _source_file
    FROM records
    GROUP BY _source_file
    HAVING count(*) FILTER (WHERE __in_raw) <> count(*) FILTER (WHERE NOT __in_raw)
        OR coalesce(sum(hash(_record_index)::HUGEINT) FILTER (WHERE __in_raw), 0)
           <> coalesce(sum(hash(_record_index)::HUGEINT) FILTER (WHERE NOT __in_raw), 0)
)
-- Only those files are compared record by record, so the failing rows still name them.
SELECT _source_file, _record_index,
       count(*) FILTER (WHERE __in_raw) AS in_raw,
       count(*) FILTER (WHERE NOT __in_raw) AS staged_or_quarantined
FROM records
WHERE _source_file IN (SELECT _source_file FROM differing_files) OR _source_file IS NULL
GROUP BY ALL
HAVING count(*) FILTER (WHERE __in_raw) <> count(*) FILTER (WHERE NOT __in_raw)
{% endtest %}
