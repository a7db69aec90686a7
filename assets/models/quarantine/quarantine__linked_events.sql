{{ config(materialized='view') }}
SELECT *
FROM {{ ref('staging__linked_events_typed') }}
WHERE _reject_reason IS NOT NULL
