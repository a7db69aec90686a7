{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='sync_all_columns',
    pre_hook="{{ replace_rescored() }}",
    tags=['by_period'],
    meta={
        'kuva_source': 'hobihobi',
        'measures': {
            'listings': {
                'description': 'Distinct Hobihobi listings (hobbies) visible at any time in the year so far.',
                'unit': 'listings',
                'accumulation': 'cumulative',
            },
            'participants': {
                'description': 'Participants of Hobihobi listings in the year so far, counted once per listing per '
                    'year.',
                'unit': 'participants',
                'accumulation': 'cumulative',
            },
        },
    },
) }}
{% call rescored_rows() %}
WITH snap AS (
    SELECT listing_id, snapshot_date, service_area, visible_from, visible_until, participants
    FROM {{ ref('staging__hobihobi_listings') }}
),
days AS (
    SELECT DISTINCT snapshot_date AS d FROM snap
),
periods AS (
    -- Months and years with snapshots, and the as-of days of those years.
    SELECT DISTINCT 'month' AS grain, date_trunc('month', d)::DATE AS period_start, last_day(d) AS period_end FROM days
    UNION
    SELECT DISTINCT 'year', date_trunc('year', d)::DATE, make_date(year(d), 12, 31) FROM days
    UNION
    SELECT DISTINCT 'ytd', make_date(a."year", 1, 1), a.as_of
    FROM {{ ref('catalog__as_of_dates') }} a
    WHERE EXISTS (SELECT 1 FROM days WHERE d BETWEEN make_date(a."year", 1, 1) AND a.as_of)
),
visible AS (
    -- A listing counts in a period when any snapshot row's visibility overlaps it (the contract's
    -- counting rule: a listing entered after the period's last snapshot shows in the next one).
    -- Its service area comes from the period's own snapshots: the latest taken in the period; only
    -- a listing no snapshot of the period shows takes the area of its first snapshot after the
    -- period (else its last before). So the next year's first snapshot never moves a listing to
    -- another area, every listing has one area per period, and the areas add up to KUVA.
    SELECT p.grain, p.period_start, p.period_end, s.listing_id,
           coalesce(
               arg_max(s.service_area, s.snapshot_date)
                   FILTER (WHERE s.snapshot_date BETWEEN p.period_start AND p.period_end),
               arg_min(s.service_area, s.snapshot_date) FILTER (WHERE s.snapshot_date > p.period_end),
               arg_max(s.service_area, s.snapshot_date)
           ) AS service_area,
           count(*) AS n_rows
    FROM periods p
    JOIN snap s ON s.visible_from <= p.period_end AND s.visible_until >= p.period_start
    GROUP BY ALL
),
peak AS (
    -- Its participants: the highest figure in the snapshots taken in the period.
    SELECT p.grain, p.period_start, p.period_end, s.listing_id, max(s.participants) AS participants
    FROM periods p
    JOIN snap s ON s.snapshot_date BETWEEN p.period_start AND p.period_end
    GROUP BY ALL
),
per_listing AS (
    SELECT v.*, coalesce(k.participants, 0) AS participants
    FROM visible v
    LEFT JOIN peak k USING (grain, period_start, period_end, listing_id)
),
scopes AS (
    -- Every service area and the division as a whole (reference/service_areas.csv).
    SELECT code AS service_area FROM {{ source('reference', 'ref_service_areas') }}
    WHERE kind IN ('service_area', 'division')
),
agg AS (
    SELECT grain, period_start, period_end, coalesce(service_area, {{ division_area() }}) AS service_area,
           count(*) AS listings, sum(participants) AS participants, sum(n_rows) AS n_rows
    FROM per_listing
    GROUP BY GROUPING SETS ((grain, period_start, period_end, service_area), (grain, period_start, period_end))
),
filled AS (
    SELECT p.grain, p.period_start, p.period_end, s.service_area,
           coalesce(a.listings, 0) AS listings, coalesce(a.participants, 0) AS participants,
           coalesce(a.n_rows, 0) AS n_rows
    FROM periods p
    CROSS JOIN scopes s
    LEFT JOIN agg a USING (grain, period_start, period_end, service_area)
)
SELECT 'hobihobi' AS source, 'listings' AS measure, grain, period_start, period_end, service_area,
       listings::DOUBLE AS value, listings::DOUBLE AS numerator, NULL::DOUBLE AS denominator,
       n_rows AS row_count
FROM filled
UNION ALL
SELECT 'hobihobi', 'participants', grain, period_start, period_end, service_area,
       participants::DOUBLE, participants::DOUBLE, NULL::DOUBLE, n_rows
FROM filled
ORDER BY measure, grain, period_start, service_area
{% endcall %}
