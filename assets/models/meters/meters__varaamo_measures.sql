{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='sync_all_columns',
    pre_hook="{{ replace_rescored() }}",
    tags=['by_period'],
    meta={
        'kuva_source': 'varaamo',
        'measures': {
            'spaces_for_sale': {
                'description': 'Varaamo resources on sale (reservable for a fee) at the as-of date.',
                'unit': 'spaces',
                'accumulation': 'stock',
            },
            'bookable_spaces': {
                'description': 'Varaamo resources reservable by residents at the as-of date.',
                'unit': 'spaces',
                'accumulation': 'stock',
            },
            'bookings': {
                'description': 'Confirmed normal reservations beginning in the year so far (blocked reservations are'
                    ' closures, not bookings).',
                'unit': 'bookings',
                'accumulation': 'cumulative',
            },
        },
    },
) }}
{% call rescored_rows() %}
WITH res AS (
    SELECT begin_date, service_area, is_booking FROM {{ ref('staging__varaamo_reservations') }}
    WHERE true{{ rescored_since('begin_date') }}
),
days AS (
    SELECT DISTINCT begin_date AS d FROM res
),
feed_periods AS (
    -- Months and years with reservations in the feed, and the as-of days of those years.
    SELECT DISTINCT 'month' AS grain, date_trunc('month', d)::DATE AS period_start, last_day(d) AS period_end FROM days
    UNION
    SELECT DISTINCT 'year', date_trunc('year', d)::DATE, make_date(year(d), 12, 31) FROM days
    UNION
    SELECT DISTINCT 'ytd', make_date(a."year", 1, 1), a.as_of
    FROM {{ ref('catalog__as_of_dates') }} a
    WHERE EXISTS (SELECT 1 FROM days WHERE d BETWEEN make_date(a."year", 1, 1) AND a.as_of)
),
months AS (
    -- Spaces are a level from the reference: every month from 2019 to the last as-of day or booking.
    SELECT unnest(generate_series(
        DATE '2019-01-01',
        date_trunc('month', greatest(
            coalesce((SELECT max(as_of) FROM {{ ref('catalog__as_of_dates') }}), DATE '2019-01-01'),
            coalesce((SELECT max(d) FROM days), DATE '2019-01-01'))),
        INTERVAL 1 MONTH))::DATE AS m
),
level_periods AS (
    SELECT 'month' AS grain, m AS period_start, last_day(m) AS period_end FROM months
    UNION
    SELECT DISTINCT 'year', date_trunc('year', m)::DATE, make_date(year(m), 12, 31) FROM months
    UNION
    SELECT DISTINCT 'ytd', make_date("year", 1, 1), as_of FROM {{ ref('catalog__as_of_dates') }}
),
scopes AS (
    -- Every service area and the division as a whole (reference/service_areas.csv).
    SELECT code AS service_area FROM {{ source('reference', 'ref_service_areas') }}
    WHERE kind IN ('service_area', 'division')
),
bookings AS (
    SELECT p.grain, p.period_start, p.period_end, coalesce(r.service_area, {{ division_area() }}) AS service_area,
           count(*) FILTER (WHERE r.is_booking) AS bookings, count(*) AS reservations
    FROM feed_periods p
    JOIN res r ON r.begin_date BETWEEN p.period_start AND p.period_end
    GROUP BY GROUPING SETS ((p.grain, p.period_start, p.period_end, r.service_area),
                            (p.grain, p.period_start, p.period_end))
),
spaces AS (
    SELECT p.grain, p.period_start, p.period_end, coalesce(r.service_area, {{ division_area() }}) AS service_area,
           count(*) FILTER (WHERE r.for_sale AND r.for_sale_from <= p.period_end) AS for_sale,
           count(*) AS bookable
    FROM level_periods p
    CROSS JOIN {{ source('reference', 'ref_varaamo_resources') }} r
    GROUP BY GROUPING SETS ((p.grain, p.period_start, p.period_end, r.service_area),
                            (p.grain, p.period_start, p.period_end))
)
SELECT 'varaamo' AS source, 'bookings' AS measure, p.grain, p.period_start, p.period_end, s.service_area,
       coalesce(b.bookings, 0)::DOUBLE AS value, coalesce(b.bookings, 0)::DOUBLE AS numerator,
       NULL::DOUBLE AS denominator, coalesce(b.reservations, 0) AS row_count
FROM feed_periods p
CROSS JOIN scopes s
LEFT JOIN bookings b USING (grain, period_start, period_end, service_area)
UNION ALL
SELECT 'varaamo', 'spaces_for_sale', p.grain, p.period_start, p.period_end, s.service_area,
       coalesce(x.for_sale, 0)::DOUBLE, coalesce(x.for_sale, 0)::DOUBLE, NULL::DOUBLE, coalesce(x.for_sale, 0)
FROM level_periods p
CROSS JOIN scopes s
LEFT JOIN spaces x USING (grain, period_start, period_end, service_area)
WHERE EXISTS (SELECT 1 FROM {{ source('reference', 'ref_varaamo_resources') }})  -- no reference, no level
UNION ALL
SELECT 'varaamo', 'bookable_spaces', p.grain, p.period_start, p.period_end, s.service_area,
       coalesce(x.bookable, 0)::DOUBLE, coalesce(x.bookable, 0)::DOUBLE, NULL::DOUBLE, coalesce(x.bookable, 0)
FROM level_periods p
CROSS JOIN scopes s
LEFT JOIN spaces x USING (grain, period_start, period_end, service_area)
WHERE EXISTS (SELECT 1 FROM {{ source('reference', 'ref_varaamo_resources') }})  -- no reference, no level
ORDER BY measure, grain, period_start, service_area
{% endcall %}
