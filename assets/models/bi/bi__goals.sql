-- `responsible` is the catalog's own list of who answers for the goal (units, roles, and the
-- owners the documents name); no other personal data reaches bi.
SELECT s.scorecard_id, s.year, s.as_of, s.goal_id,
       g.theme_fi, g.theme_en, g.goal_fi, g.goal_en, g.goal_area_fi, g.goal_area_en, g.binding,
       s.weight_pct, s.meters, s.meters_achieved, s.meters_on_track, s.meters_at_risk,
       s.meters_not_achieved, s.meters_no_data, s.status, s.status_fi, s.weighted_score,
       st.label_en AS status_en, st.sort_order AS status_order, st.colour AS status_colour,
       st.icon AS status_icon, g.responsible
FROM {{ ref('marts__goal_scores') }} s
JOIN {{ source('catalog', 'dim_goal') }} g USING (goal_id)
LEFT JOIN {{ source('catalog', 'dim_label') }} st ON st.vocabulary = 'status' AND st.code = s.status
