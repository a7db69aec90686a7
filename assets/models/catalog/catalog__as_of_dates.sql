{{ config(materialized='table') }}
-- The days each scorecard is scored on: its document's own date and the latest known day of
-- its year. Time travel (`kuva scorecard --as-of D`) sets the var as_of and scores that one day.
{% if var('as_of', none) %}
SELECT scorecard_id, year, DATE '{{ var("as_of") }}' AS as_of, 'time_travel' AS as_of_kind
FROM {{ source('catalog', 'dim_scorecard') }}
WHERE year = {{ var('year') }}
{% else %}
SELECT DISTINCT scorecard_id, year, as_of, as_of_kind
FROM (
    SELECT scorecard_id, year, as_of_document::DATE AS as_of, 'document' AS as_of_kind
    FROM {{ source('catalog', 'dim_scorecard') }}
    WHERE as_of_document IS NOT NULL
    UNION ALL
    -- current_date is the Helsinki day: every warehouse connection runs in Europe/Helsinki.
    SELECT scorecard_id, year, least(make_date(year, 12, 31), current_date - 1), 'latest'
    FROM {{ source('catalog', 'dim_scorecard') }}
)
{% endif %}
ORDER BY scorecard_id, as_of
