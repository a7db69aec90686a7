{{ config(materialized='incremental', incremental_strategy='append') }}
-- Every refresh's scores, appended and never overwritten: what the scorecard said on each run.
SELECT
    '{{ env_var("KUVA_RUN_ID", invocation_id) }}'::VARCHAR AS refresh_id,
    now()::TIMESTAMP AS refreshed_at,
    *
FROM {{ ref('marts__scorecard') }}
