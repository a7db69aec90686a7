{# The published scorecard columns over a scored relation (marts.scorecard or its history):
   the scores as scored, then the labels BI tools and the scorecard view show, from the
   scoring vocabulary (catalog.dim_label). `leading` puts columns first (the history's run). #}
{% macro labelled_scorecard(relation, leading=none) -%}
SELECT
    {% if leading %}{{ leading }},{% endif %}
    s.scorecard_id, s.year, s.goal_id, s.meter_id, s.meter_name_fi, s.meter_name_en, s.service_area, s.unit,
    s.direction, s.baseline_value, s.baseline_from_data, s.target_kind, s.target_min, s.target_max,
    s.tier_minimum, s.tier_challenging, s.tier_exceptional, s.weight_pct, s.actual_value, s.value_origin,
    s.attainment_pct, s.status, s.status_fi, coalesce(s.tier, 'none') AS tier, s.weighted_score,
    s.forecast_value, s.manual_forecast, s.forecast_disagrees, s.as_of, s.as_of_kind, s.data_quality,
    s.row_count, s.explanation, s.explanation_fi,
    st.label_en AS status_en,
    st.sort_order AS status_order,
    st.colour AS status_colour,
    st.icon AS status_icon,
    ti.label_fi AS tier_fi,
    ti.label_en AS tier_en,
    fo.label_fi AS manual_forecast_fi,
    fo.label_en AS manual_forecast_en
FROM {{ relation }} s
LEFT JOIN {{ source('catalog', 'dim_label') }} st ON st.vocabulary = 'status' AND st.code = s.status
LEFT JOIN {{ source('catalog', 'dim_label') }} ti ON ti.vocabulary = 'tier' AND ti.code = s.tier
LEFT JOIN {{ source('catalog', 'dim_label') }} fo ON fo.vocabulary = 'forecast' AND fo.code = s.manual_forecast
{%- endmacro %}
