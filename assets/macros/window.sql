{# The Helsinki days a feed run covers, inclusive: the vars partition_start / partition_end
   (standalone, the defaults cover everything). Dagster hands the partition window over as
   KUVA_PARTITION_START / KUVA_PARTITION_END, which win: a var that changes on every run would
   make dbt parse the whole project again each time, an environment variable does not. #}
{% macro window_start() -%}
    DATE '{{ env_var("KUVA_PARTITION_START", var("partition_start")) }}'
{%- endmacro %}

{% macro window_end() -%}
    DATE '{{ env_var("KUVA_PARTITION_END", var("partition_end")) }}'
{%- endmacro %}

{# Pre-hook of an incremental feed model: the run replaces exactly its window's days
   (delete, then dbt appends the window's rows, in one transaction). #}
{% macro replace_window() -%}
    {%- if is_incremental() -%}
        DELETE FROM {{ this }} WHERE _partition_date BETWEEN {{ window_start() }} AND {{ window_end() }}
    {%- endif -%}
{%- endmacro %}
