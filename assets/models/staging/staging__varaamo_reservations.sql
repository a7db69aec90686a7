{{ config(materialized='view') }}
SELECT * EXCLUDE (_reject_reason)
FROM {{ ref('staging__varaamo_reservations_typed') }}
WHERE _reject_reason IS NULL
