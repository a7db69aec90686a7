{{ config(materialized='view') }}
SELECT * EXCLUDE (_reject_reason)
FROM {{ ref('staging__nps_responses_typed') }}
WHERE _reject_reason IS NULL
