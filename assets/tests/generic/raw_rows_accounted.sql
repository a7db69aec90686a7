{#
  raw = staging + quarantine: every raw record of the run's days (all of them for an
  unpartitioned source) reaches the typed model exactly once, and the typed model holds
  nothing raw does not. Its staging and quarantine views split it by _reject_reason, so
  this one test speaks for both. Failing rows name the file and record.
#}
{% test raw_rows_accounted(model, raw_tables, windowed=true) %}
WITH raw AS (
    SELECT _source_file, _record_index, count(*) AS n
    FROM (
        {% for table in raw_tables %}
        SELECT _source_file, _record_index FROM {{ source('raw', table) }}
        {% if windowed %}WHERE _partition_date BETWEEN {{ window_start() }} AND {{ window_end() }}{% endif %}
        {% if not loop.last %}UNION ALL{% endif %}
        {% endfor %}
    )
    GROUP BY ALL
),
landed AS (
    SELECT _source_file, _record_index, count(*) AS n
    FROM {{ model }}
    {% if windowed %}WHERE _partition_date BETWEEN {{ window_start() }} AND {{ window_end() }}{% endif %}
    GROUP BY ALL
)
SELECT coalesce(r._source_file, l._source_file) AS _source_file,
       coalesce(r._record_index, l._record_index) AS _record_index,
       coalesce(r.n, 0) AS in_raw,
       coalesce(l.n, 0) AS staged_or_quarantined
FROM raw r
FULL JOIN landed l USING (_source_file, _record_index)
WHERE coalesce(r.n, 0) <> coalesce(l.n, 0)
{% endtest %}
