{{ config(materialized='view') }}
SELECT *
FROM {{ ref('staging__checkins_typed') }}
WHERE _reject_reason IS NOT NULL
