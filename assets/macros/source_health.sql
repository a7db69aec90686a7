{# Which sources the scorecard can trust on a day, from the recorded check verdicts.

   `days` is a relation of (source, as_of); `check_results` is quality.check_results.
   One row per distinct (source, as_of): data_quality 'ok', 'failed' or 'stale' and
   data_quality_reason (null when ok).

   failed: the latest verdict of a blocking check on one of the source's tables (for a
   partitioned table: on a month from January of the day's year to the day) failed with
   severity ERROR and no waiver. stale: the newest landing file, as last checked by
   `landing_is_fresh` (kuva_pipeline.quality.config.FRESHNESS_CHECK), ends more than the
   source's limit before the day. A failure outranks staleness.

   Plain Jinja on purpose: kuva_pipeline.quality.health renders this same macro for a
   day the scorecard does not score (docs/quality.md, "source_health and the scorecard"). #}
{% macro source_health(days, check_results) %}
WITH health_days AS (
    SELECT DISTINCT source, as_of::DATE AS as_of FROM {{ days }}
),
verdicts AS (
    SELECT *, row_number() OVER () AS _seq FROM {{ check_results }}
),
by_month AS (
    -- A range verdict speaks for each month it covers; an unpartitioned one for the table.
    SELECT v.*, unnest(generate_series(date_trunc('month', partition_start)::DATE,
                                       date_trunc('month', partition_end)::DATE,
                                       INTERVAL 1 MONTH))::DATE AS month
    FROM verdicts v WHERE partition_start IS NOT NULL
    UNION ALL BY NAME
    SELECT v.*, NULL::DATE AS month FROM verdicts v WHERE partition_start IS NULL
),
latest AS (
    SELECT d.source AS health_source, d.as_of AS health_day, b.*,
           row_number() OVER (
               PARTITION BY d.source, d.as_of, b.asset, b.check_name, b.month
               ORDER BY b.checked_at DESC, b._seq DESC) AS _rank
    FROM health_days d
    JOIN by_month b ON b.source = d.source
    -- Months after the day scored, or before its year, do not feed its year-to-date value.
     AND (b.month IS NULL OR b.month BETWEEN date_trunc('year', d.as_of) AND d.as_of)
),
failed AS (
    SELECT health_source, health_day,
           asset || ' check ' || check_name || ' failed'
           || CASE WHEN coalesce("partition", '') <> '' THEN ' for ' || "partition" ELSE '' END
           || ': ' || coalesce(detail, 'None')
           || ' (run ' || coalesce(left(run_id, 8), 'None') || ', '
           || strftime(checked_at, '%Y-%m-%d %H:%M') || ' UTC)' AS reason
    FROM latest
    WHERE _rank = 1 AND NOT passed AND blocking AND severity = 'ERROR' AND waived_by IS NULL
    -- The newest failure names the problem.
    QUALIFY row_number() OVER (
        PARTITION BY health_source, health_day
        ORDER BY checked_at DESC, asset, check_name, month, _seq DESC) = 1
),
freshness AS (
    SELECT source, checked_at,
           observed ->> '$.max_age_days' AS max_age_days,
           (observed ->> '$.newest_period_end')::DATE AS newest_period_end,
           coalesce(observed ->> '$.newest_file', 'None') AS newest_file
    FROM verdicts
    WHERE check_name = 'landing_is_fresh'
    QUALIFY row_number() OVER (PARTITION BY source ORDER BY checked_at DESC, _seq DESC) = 1
),
stale AS (
    SELECT d.source AS health_source, d.as_of AS health_day,
           CASE
               WHEN f.newest_period_end IS NULL
                   THEN d.source || ': no landing file has arrived (checked '
                        || strftime(f.checked_at, '%Y-%m-%d %H:%M') || ' UTC)'
               WHEN f.newest_period_end < d.as_of - CAST(f.max_age_days AS INTEGER)
                   THEN d.source || ': the newest landing file (' || f.newest_file || ') covers up to '
                        || f.newest_period_end::VARCHAR || ', '
                        || (d.as_of - f.newest_period_end)::VARCHAR || ' days before '
                        || d.as_of::VARCHAR || '; the limit is ' || f.max_age_days || ' days'
           END AS reason
    FROM health_days d
    JOIN freshness f ON f.source = d.source
    -- Without a limit there is nothing to be late for.
    WHERE f.max_age_days IS NOT NULL
)
SELECT d.source, d.as_of,
       CASE WHEN fa.reason IS NOT NULL THEN 'failed'
            WHEN st.reason IS NOT NULL THEN 'stale'
            ELSE 'ok' END AS data_quality,
       coalesce(fa.reason, st.reason) AS data_quality_reason
FROM health_days d
LEFT JOIN failed fa ON fa.health_source = d.source AND fa.health_day = d.as_of
LEFT JOIN stale st ON st.health_source = d.source AND st.health_day = d.as_of
{% endmacro %}
