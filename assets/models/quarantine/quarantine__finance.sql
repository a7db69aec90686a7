{{ config(materialized='view') }}
SELECT *
FROM {{ ref('staging__finance_typed') }}
WHERE _reject_reason IS NOT NULL
