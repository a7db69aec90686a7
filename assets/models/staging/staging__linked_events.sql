{{ config(materialized='view') }}
SELECT * EXCLUDE (_reject_reason)
FROM {{ ref('staging__linked_events_typed') }}
WHERE _reject_reason IS NULL
