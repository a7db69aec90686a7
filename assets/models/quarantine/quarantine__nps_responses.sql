{{ config(materialized='view') }}
SELECT *
FROM {{ ref('staging__nps_responses_typed') }}
WHERE _reject_reason IS NOT NULL
