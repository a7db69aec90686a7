WITH reported AS (
    -- Owner-reported meters by month: the latest value reported by each month's end, from
    -- the year's first report to its last month, so their trend charts like a feed's.
    SELECT v.meter_id, v.service_area, v.period_start AS reported_on, v.value
    FROM {{ ref('meters__meter_values') }} v
    JOIN {{ source('catalog', 'dim_meter') }} m USING (meter_id)
    WHERE v.grain = 'checkin' AND m.source = 'checkin'
),
months AS (
    SELECT meter_id, service_area, unnest(generate_series(
        date_trunc('month', min(reported_on)), date_trunc('month', max(reported_on)), INTERVAL 1 MONTH
    ))::DATE AS month_start
    FROM reported
    GROUP BY meter_id, service_area
),
monthly AS (
    SELECT mo.meter_id, mo.month_start AS period_start, last_day(mo.month_start) AS period_end,
           'month' AS grain, mo.service_area,
           arg_max(r.value, r.reported_on) AS value, NULL::DOUBLE AS numerator,
           NULL::DOUBLE AS denominator, count(*) AS row_count
    FROM months mo
    JOIN reported r ON r.meter_id = mo.meter_id AND r.service_area = mo.service_area
     AND r.reported_on <= last_day(mo.month_start)
     AND year(r.reported_on) = year(mo.month_start)
    GROUP BY ALL
),
values_ AS (
    SELECT meter_id, period_start, period_end, grain, service_area, value, numerator, denominator, row_count
    FROM {{ ref('meters__meter_values') }}
    UNION ALL
    SELECT meter_id, period_start, period_end, grain, service_area, value, numerator, denominator, row_count
    FROM monthly
)
SELECT v.meter_id, m.name_fi AS meter_name_fi, m.name_en AS meter_name_en,
       v.period_start, v.period_end, v.grain, v.service_area,
       v.value, v.numerator, v.denominator, v.row_count
FROM values_ v
JOIN {{ source('catalog', 'dim_meter') }} m USING (meter_id)
