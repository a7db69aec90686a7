SELECT v.meter_id, m.name_fi AS meter_name_fi, m.name_en AS meter_name_en,
       v.period_start, v.period_end, v.grain, v.service_area,
       v.value, v.numerator, v.denominator, v.row_count
FROM {{ ref('meters__meter_values') }} v
JOIN {{ source('catalog', 'dim_meter') }} m USING (meter_id)
