{{ config(materialized='view') }}
SELECT * EXCLUDE (_reject_reason)
FROM {{ ref('staging__hobihobi_listings_typed') }}
WHERE _reject_reason IS NULL
