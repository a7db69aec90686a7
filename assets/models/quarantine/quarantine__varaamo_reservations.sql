{{ config(materialized='view') }}
SELECT *
FROM {{ ref('staging__varaamo_reservations_typed') }}
WHERE _reject_reason IS NOT NULL
