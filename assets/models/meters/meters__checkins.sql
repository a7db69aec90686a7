{{ config(
    materialized='table',
    meta={
        'kuva_source': 'checkin',
        'measures': {
            'manual': {
                'description': 'Reported by the goal owner: the value comes from the latest check-in.',
                'unit': 'as declared on the meter',
                'accumulation': 'level',
            },
        },
    },
) }}
-- Comments and authors stay in raw: staging.checkins has neither. On one meter and day a
-- landing check-in sorts after the catalog's, so it is the later row.
SELECT meter_id, checkin_date::DATE AS checkin_date, status, progress_pct::DOUBLE AS progress_pct,
       forecast, forecast_round, value::DOUBLE AS value, numerator::DOUBLE AS numerator,
       denominator::DOUBLE AS denominator, 'catalog' AS origin
FROM {{ source('catalog', 'fact_checkin') }}
{% if var('as_of', none) %}
WHERE checkin_date::DATE <= DATE '{{ var("as_of") }}'
{% endif %}
UNION ALL
SELECT meter_id, checkin_date, status, progress_pct::DOUBLE, forecast, NULL::VARCHAR, value::DOUBLE,
       NULL::DOUBLE, NULL::DOUBLE, _source_file
FROM {{ ref('staging__checkins') }}
{% if var('as_of', none) %}
-- Time travel: only what was reported by the as-of day.
WHERE checkin_date <= DATE '{{ var("as_of") }}'
{% endif %}
ORDER BY meter_id, checkin_date, origin <> 'catalog', origin
