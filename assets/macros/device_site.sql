{# The rows of the NPS typed model that pass `condition`, in the staging order of columns, with
   each device's site and service area from the reference (staging and quarantine read them
   so; the typed model does not store them). A device the reference does not know has neither:
   its rows are quarantined ('experiencePointId: unknown device'). #}
{% macro with_device_site(condition, keep_reason) -%}
SELECT
    t.feedback_id,
    t.local_time,
    t.local_date,
    t.experience_point_id,
    ep.site::VARCHAR AS site,
    ep.service_area::VARCHAR AS service_area,
    t.* EXCLUDE (feedback_id, local_time, local_date, experience_point_id{{ '' if keep_reason else ', _reject_reason' }})
FROM {{ ref('staging__nps_responses_typed') }} t
LEFT JOIN {{ source('reference', 'ref_nps_experience_points') }} ep
    ON ep.experience_point_id::VARCHAR = t.experience_point_id
WHERE {{ condition }}
{%- endmacro %}
