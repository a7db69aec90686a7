{{ config(materialized='view') }}
SELECT *
FROM {{ ref('staging__hobihobi_listings_typed') }}
WHERE _reject_reason IS NOT NULL
