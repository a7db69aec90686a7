{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='sync_all_columns',
    pre_hook="{{ replace_rescored() }}",
    tags=['by_period'],
    meta={
        'kuva_source': 'events',
        'measures': {
            'large_culture_events': {
                'description': 'Large culture events held in the year so far (classification rules in '
                    'data/reference).',
                'unit': 'events',
                'accumulation': 'cumulative',
            },
            'large_sports_events': {
                'description': 'Large sports events held in the year so far.',
                'unit': 'events',
                'accumulation': 'cumulative',
            },
            'district_events': {
                'description': 'Resident-driven district events held in the year so far.',
                'unit': 'events',
                'accumulation': 'cumulative',
            },
        },
    },
) }}
{% call rescored_rows() %}
WITH counted AS (
    -- Only productions count: top level, scheduled or rescheduled, not deleted or replaced
    -- (staging.event_classification says why any other event does not).
    SELECT event_id, measure, start_date
    FROM {{ ref('staging__event_classification') }}
    WHERE counts AND measure IS NOT NULL
),
class_area AS (
    -- Each class's responsible service area, from the classification file (culture and
    -- district events KULP, sports events LIIKU in the bundled one; docs/catalog.md).
    SELECT DISTINCT meter AS measure, service_area
    FROM {{ source('reference', 'ref_event_classes') }}
    WHERE service_area IS NOT NULL
),
measures AS (
    SELECT DISTINCT meter AS measure FROM {{ source('reference', 'ref_event_classes') }}
),
days AS (
    SELECT DISTINCT start_date AS d FROM {{ ref('staging__event_classification') }} WHERE start_date IS NOT NULL
),
periods AS (
    -- Months and years with events in the feed, and the as-of days of those years.
    SELECT DISTINCT 'month' AS grain, date_trunc('month', d)::DATE AS period_start, last_day(d) AS period_end FROM days
    UNION
    SELECT DISTINCT 'year', date_trunc('year', d)::DATE, make_date(year(d), 12, 31) FROM days
    UNION
    SELECT DISTINCT 'ytd', make_date(a."year", 1, 1), a.as_of
    FROM {{ ref('catalog__as_of_dates') }} a
    WHERE EXISTS (SELECT 1 FROM days WHERE d BETWEEN make_date(a."year", 1, 1) AND a.as_of)
),
scopes AS (
    SELECT m.measure, {{ division_area() }} AS service_area FROM measures m
    UNION ALL
    SELECT m.measure, ca.service_area FROM measures m JOIN class_area ca USING (measure)
),
counts AS (
    SELECT p.grain, p.period_start, p.period_end, c.measure, count(DISTINCT c.event_id) AS n
    FROM periods p
    JOIN counted c ON c.start_date BETWEEN p.period_start AND p.period_end
    GROUP BY ALL
)
SELECT 'events' AS source, s.measure, p.grain, p.period_start, p.period_end, s.service_area,
       coalesce(c.n, 0)::DOUBLE AS value, coalesce(c.n, 0)::DOUBLE AS numerator,
       NULL::DOUBLE AS denominator, coalesce(c.n, 0) AS row_count
FROM periods p
CROSS JOIN scopes s
LEFT JOIN counts c ON c.grain = p.grain AND c.period_start = p.period_start
                  AND c.period_end = p.period_end AND c.measure = s.measure
ORDER BY measure, grain, period_start, service_area
{% endcall %}
