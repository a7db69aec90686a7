{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='sync_all_columns',
    pre_hook="{{ replace_rescored() }}",
    tags=['by_period'],
    meta={
        'kuva_source': 'finance',
        'measures': {
            'unit_cost': {
                'description': 'Cost per output (EUR per suorite) for the year.',
                'unit': 'EUR/output',
                'accumulation': 'level',
            },
            'budget_use_pct': {
                'description': 'Cost as a percentage of the budget for the year.',
                'unit': '%',
                'accumulation': 'level',
            },
        },
    },
) }}
{% call rescored_rows() %}
WITH rows AS (
    SELECT "year", service_area, cost_eur, outputs, budget_eur FROM {{ ref('staging__finance') }}
),
sums AS (
    -- Rows are summed per year and service area: a correction is an extra row.
    SELECT "year", coalesce(service_area, {{ division_area() }}) AS service_area,
           sum(cost_eur) AS cost_eur, sum(outputs) AS outputs, sum(budget_eur) AS budget_eur,
           count(*) AS n_rows
    FROM rows
    GROUP BY GROUPING SETS (("year", service_area), ("year"))
),
periods AS (
    SELECT DISTINCT 'year' AS grain, "year", make_date("year", 1, 1) AS period_start,
           make_date("year", 12, 31) AS period_end
    FROM rows
    UNION ALL
    SELECT DISTINCT 'ytd', a."year", make_date(a."year", 1, 1), a.as_of
    FROM {{ ref('catalog__as_of_dates') }} a
    WHERE a."year" IN (SELECT "year" FROM rows)
)
SELECT 'finance' AS source, 'unit_cost' AS measure, p.grain, p.period_start, p.period_end, s.service_area,
       round(s.cost_eur::DOUBLE / s.outputs, 6) AS value, s.cost_eur::DOUBLE AS numerator,
       s.outputs::DOUBLE AS denominator, s.n_rows AS row_count
FROM periods p
JOIN sums s USING ("year")
WHERE s.outputs > 0
UNION ALL
SELECT 'finance', 'budget_use_pct', p.grain, p.period_start, p.period_end, s.service_area,
       round(100 * s.cost_eur::DOUBLE / s.budget_eur::DOUBLE, 4), s.cost_eur::DOUBLE,
       s.budget_eur::DOUBLE, s.n_rows
FROM periods p
JOIN sums s USING ("year")
WHERE s.budget_eur > 0
ORDER BY measure, grain, period_start, service_area
{% endcall %}
