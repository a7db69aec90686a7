{# Schemas are the warehouse layers themselves (staging, meters, ...), not prefixed by the
   target's schema, and a model named `<layer>__<table>` is the table `<layer>.<table>`:
   dbt needs unique model names, the warehouse keeps its own. #}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ (custom_schema_name or target.schema) | trim }}
{%- endmacro %}

{% macro generate_alias_name(custom_alias_name=none, node=none) -%}
    {%- if custom_alias_name -%}
        {{ custom_alias_name | trim }}
    {%- elif '__' in node.name -%}
        {{ node.name.split('__', 1)[1] }}
    {%- else -%}
        {{ node.name }}
    {%- endif -%}
{%- endmacro %}
