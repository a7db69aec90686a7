SELECT m.meter_id, m.scorecard_id, m.goal_id, m.year, m.name_fi, m.name_en, m.unit, m.direction,
       m.service_area, m.source, m.measure, m.accumulation, m.baseline_value, m.baseline_period,
       m.is_new_meter, m.recovery_meter, t.target_kind, t.weight_pct
FROM {{ source('catalog', 'dim_meter') }} m
JOIN {{ source('catalog', 'dim_target') }} t USING (meter_id)
