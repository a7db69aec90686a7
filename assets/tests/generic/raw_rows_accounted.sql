{#
  raw = staging + quarantine: every raw record of the run's days (all of them for an
  unpartitioned source) reaches the typed model exactly once, and the typed model holds
  nothing raw does not. Its staging and quarantine views split it by _reject_reason, so
  this one test speaks for both. Failing rows name the file and record.
#}
{% test raw_rows_accounted(model, raw_tables, windowed=true) %}
-- Both sides' records in one GROUP BY, counted by side: cheaper than grouping each side
-- and joining the two (the city sample's NPS presses: about a quarter less).
SELECT _source_file, _record_index,
       count(*) FILTER (WHERE __in_raw) AS in_raw,
       count(*) FILTER (WHERE NOT __in_raw) AS staged_or_quarantined
FROM (
    {% for table in raw_tables %}
    SELECT _source_file, _record_index, true AS __in_raw FROM {{ source('raw', table) }}
    {% if windowed %}WHERE _partition_date BETWEEN {{ window_start() }} AND {{ window_end() }}{% endif %}
    UNION ALL
    {% endfor %}
    SELECT _source_file, _record_index, false AS __in_raw FROM {{ model }}
    {% if windowed %}WHERE _partition_date BETWEEN {{ window_start() }} AND {{ window_end() }}{% endif %}
)
GROUP BY ALL
HAVING count(*) FILTER (WHERE __in_raw) <> count(*) FILTER (WHERE NOT __in_raw)
{% endtest %}
