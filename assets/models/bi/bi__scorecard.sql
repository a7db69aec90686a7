SELECT
    scorecard_id, year, goal_id, meter_id, meter_name_fi, meter_name_en, service_area, unit,
    direction, baseline_value, baseline_from_data, target_kind, target_min, target_max,
    tier_minimum, tier_challenging, tier_exceptional, weight_pct, actual_value, value_origin,
    attainment_pct, status, status_fi, coalesce(tier, 'none') AS tier, weighted_score,
    forecast_value, manual_forecast, forecast_disagrees, as_of, as_of_kind, data_quality,
    row_count, explanation, explanation_fi
FROM {{ ref('marts__scorecard') }}
