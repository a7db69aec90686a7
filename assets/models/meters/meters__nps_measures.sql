{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='sync_all_columns',
    pre_hook="{{ replace_rescored() }}",
    tags=['by_period'],
    meta={
        'kuva_source': 'nps',
        'measures': {
            'nps_index': {
                'description': 'Net Promoter Score: % promoters (9-10) minus % detractors (0-6) of valid presses on '
                    'NPS surveys in the period, from -100 to +100.',
                'unit': 'NPS',
                'accumulation': 'level',
            },
            'devices_in_use': {
                'description': 'Feedback devices (experience points) in use at the end of the period, per the '
                    "reference data's in-use dates.",
                'unit': 'devices',
                'accumulation': 'stock',
            },
        },
    },
) }}
{% call rescored_rows() %}
WITH answers AS (
    -- NPS counts only 0-10 answers to NPS surveys; misuse presses are left out.
    -- Counted per device and day first: the periods below add up some forty thousand
    -- device-days instead of copying ten million presses into each grain.
    SELECT local_date, service_area, experience_point_id,
           count(*) FILTER (WHERE button_index >= 9) AS promoters,
           count(*) FILTER (WHERE button_index <= 6) AS detractors,
           count(*) AS answers
    FROM {{ ref('staging__nps_responses') }}
    WHERE is_nps_survey AND NOT is_misuse{{ rescored_since('local_date') }}
    GROUP BY local_date, service_area, experience_point_id
),
periods AS (
    SELECT 'month' AS grain, date_trunc('month', local_date)::DATE AS period_start,
           last_day(local_date) AS period_end, *
    FROM answers
    UNION ALL
    SELECT 'year', date_trunc('year', local_date)::DATE, make_date(year(local_date), 12, 31), *
    FROM answers
    UNION ALL
    SELECT 'ytd', make_date(d."year", 1, 1), d.as_of, a.*
    FROM (SELECT DISTINCT "year", as_of FROM {{ ref('catalog__as_of_dates') }}) d
    JOIN answers a ON a.local_date BETWEEN make_date(d."year", 1, 1) AND d.as_of
),
by_area AS (
    SELECT grain, period_start, period_end,
           coalesce(service_area, {{ division_area() }}) AS service_area,
           sum(promoters)::BIGINT AS promoters,
           sum(detractors)::BIGINT AS detractors,
           sum(answers)::BIGINT AS answers,
           count(DISTINCT experience_point_id) AS devices
    FROM periods
    GROUP BY GROUPING SETS ((grain, period_start, period_end, service_area), (grain, period_start, period_end))
),
months AS (
    -- Devices in use are a level from the reference: every month from 2019 to the last as-of day or answer.
    SELECT unnest(generate_series(
        DATE '2019-01-01',
        date_trunc('month', greatest(
            coalesce((SELECT max(as_of) FROM {{ ref('catalog__as_of_dates') }}), DATE '2019-01-01'),
            coalesce((SELECT max(local_date) FROM answers), DATE '2019-01-01'))),
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
    SELECT DISTINCT service_area FROM {{ source('reference', 'ref_nps_experience_points') }}
    UNION
    SELECT {{ division_area() }}
),
in_use AS (
    -- In use on a day: in_use_from <= day <= in_use_until (an empty until is still in use).
    SELECT p.grain, p.period_start, p.period_end, coalesce(ep.service_area, {{ division_area() }}) AS service_area,
           count(*) AS devices
    FROM level_periods p
    JOIN {{ source('reference', 'ref_nps_experience_points') }} ep
      ON ep.in_use_from <= p.period_end AND (ep.in_use_until IS NULL OR ep.in_use_until >= p.period_end)
    GROUP BY GROUPING SETS ((p.grain, p.period_start, p.period_end, ep.service_area),
                            (p.grain, p.period_start, p.period_end))
)
SELECT 'nps' AS source, 'nps_index' AS measure, grain, period_start, period_end, service_area,
       round(100.0 * (promoters - detractors) / answers, 2) AS value,
       (promoters - detractors)::DOUBLE AS numerator, answers::DOUBLE AS denominator, answers AS row_count
FROM by_area
UNION ALL
SELECT 'nps', 'devices_with_answers', grain, period_start, period_end, service_area,
       devices::DOUBLE, devices::DOUBLE, NULL::DOUBLE, answers
FROM by_area
UNION ALL
SELECT 'nps', 'devices_in_use', p.grain, p.period_start, p.period_end, s.service_area,
       coalesce(u.devices, 0)::DOUBLE, coalesce(u.devices, 0)::DOUBLE, NULL::DOUBLE, coalesce(u.devices, 0)
FROM level_periods p
CROSS JOIN scopes s
LEFT JOIN in_use u USING (grain, period_start, period_end, service_area)
WHERE EXISTS (SELECT 1 FROM {{ source('reference', 'ref_nps_experience_points') }})  -- no reference, no level
ORDER BY measure, grain, period_start, service_area
{% endcall %}
