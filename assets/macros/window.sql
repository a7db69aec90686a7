{# The Helsinki days a feed run covers, inclusive. Dagster passes the partition window as
   the vars partition_start / partition_end; standalone, the defaults cover everything. #}
{% macro window_start() -%}
    DATE '{{ var("partition_start") }}'
{%- endmacro %}

{% macro window_end() -%}
    DATE '{{ var("partition_end") }}'
{%- endmacro %}

{# Pre-hook of an incremental feed model: the run replaces exactly its window's days
   (delete, then dbt appends the window's rows, in one transaction). #}
{% macro replace_window() -%}
    {%- if is_incremental() -%}
        DELETE FROM {{ this }} WHERE _partition_date BETWEEN {{ window_start() }} AND {{ window_end() }}
    {%- endif -%}
{%- endmacro %}
