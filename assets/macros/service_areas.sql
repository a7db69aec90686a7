{# The division's service areas come from the reference table staging.ref_service_areas
   (data/reference/service_areas.csv): no model lists the codes. A code's kind says where it
   may appear (kuva_pipeline/service_areas.py): division (the whole division, the total row
   of every measure), service_area, common (administration, in the finance feed) and unit. #}

{% macro _kinds_sql(kinds) -%}
    {%- for kind in kinds %}'{{ kind }}'{% if not loop.last %}, {% endif %}{% endfor -%}
{%- endmacro %}

{# The codes of the given kinds, as a subquery for IN: `x IN {{ service_area_codes(['service_area']) }}`. #}
{% macro service_area_codes(kinds) -%}
    (SELECT code FROM {{ source('reference', 'ref_service_areas') }} WHERE kind IN ({{ _kinds_sql(kinds) }}))
{%- endmacro %}

{# The code of the division as a whole (KUVA). #}
{% macro division_area() -%}
    (SELECT code FROM {{ source('reference', 'ref_service_areas') }} WHERE kind = 'division')
{%- endmacro %}

{# The codes of the given kinds as text for a reject reason, "KIR, KULP, LIIKU or NUP":
   by kind in the order given, then by code. #}
{% macro service_area_list(kinds) -%}
    (SELECT coalesce(
        CASE WHEN len(l) = 1 THEN l[1]
             ELSE array_to_string(l[1:len(l) - 1], ', ') || ' or ' || l[len(l)] END,
        'an area of reference/service_areas.csv (it lists none of kind {{ kinds | join(", ") }})')
     FROM (SELECT list(code ORDER BY list_position([{{ _kinds_sql(kinds) }}], kind), code) AS l
           FROM {{ source('reference', 'ref_service_areas') }} WHERE kind IN ({{ _kinds_sql(kinds) }})))
{%- endmacro %}
