SELECT checked_at, asset, check_name, "partition", passed, severity, failed_rows, detail,
       waived_by, waiver_reason, source, run_id
FROM {{ source('quality', 'check_results') }}
ORDER BY checked_at, asset, check_name
