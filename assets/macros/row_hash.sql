{#- The md5 of a record's source fields as a number: the `row_hash` SQL macro
    (kuva_pipeline/sqlmacros.py) over the raw columns named in `fields`. -#}
{% macro row_hash(fields, prefix='') -%}
    row_hash([{%- for f in fields %}{{ prefix }}"{{ f }}"{% if not loop.last %}, {% endif %}{% endfor -%}])
{%- endmacro %}
