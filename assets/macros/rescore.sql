{# A measures model rebuilt by period (tag `by_period`): a rescore recomputes only the periods
   whose as-of days moved.

   A rescore (`kuva_pipeline.changes`) runs when nothing but the day changed since the last full
   refresh: the staging rows, the catalog and the reference data are those the table was built
   from. Then only the periods that begin on or after the first 1 January of a year whose as-of
   day moved can differ (that year's ytd rows, and a month the level series gains), and the rest
   of the table stays. The Dagster step sets KUVA_RESCORE=1 only for such a run, and only when
   the table is newer than everything it reads (`kuva_pipeline.defs.models`); every other run
   rebuilds the table whole.

   rescore_cutoff() -> none (rebuild whole), or the first day whose periods are recomputed,
   as 'YYYY-MM-DD'; '9999-12-31' when no as-of day moved (nothing is recomputed). Evaluated
   before the model's pre-hook deletes anything, so the model and its pre-hook agree. #}
{% macro rescore_cutoff() -%}
    {%- if not (execute and is_incremental() and env_var('KUVA_RESCORE', '') == '1') -%}
        {{- return(none) -}}
    {%- endif -%}
    {%- set moved -%}
        WITH now_ AS (SELECT DISTINCT as_of AS d FROM {{ ref('catalog__as_of_dates') }}),
        was AS (SELECT DISTINCT period_end AS d FROM {{ this }} WHERE grain = 'ytd'),
        changed AS ((SELECT d FROM now_ EXCEPT SELECT d FROM was) UNION ALL (SELECT d FROM was EXCEPT SELECT d FROM now_))
        SELECT coalesce(strftime(min(make_date(year(d), 1, 1)), '%Y-%m-%d'), '9999-12-31') FROM changed
    {%- endset -%}
    {{- return(run_query(moved).columns[0].values()[0]) -}}
{%- endmacro %}

{# `AND <column> >= DATE '<cutoff>'` in a rescore, else nothing: for a model's input rows,
   where a period on or after the cutoff reads no row dated before it. #}
{% macro rescored_since(column) -%}
    {%- set cutoff = rescore_cutoff() -%}
    {%- if cutoff %} AND {{ column }} >= DATE '{{ cutoff }}'{% endif -%}
{%- endmacro %}

{# The model's rows, the body of a `call` block: all of them, or in a rescore only the periods
   from the cutoff on. #}
{% macro rescored_rows() -%}
    {%- set cutoff = rescore_cutoff() -%}
    {%- if cutoff -%}
SELECT * FROM (
{{ caller() }}
) WHERE period_start >= DATE '{{ cutoff }}'
    {%- else -%}
{{ caller() }}
    {%- endif -%}
{%- endmacro %}

{# Pre-hook: remove what the run recomputes (everything, unless it is a rescore). #}
{% macro replace_rescored() -%}
    {%- if is_incremental() -%}
        {%- set cutoff = rescore_cutoff() -%}
        DELETE FROM {{ this }}{% if cutoff %} WHERE period_start >= DATE '{{ cutoff }}'{% endif %}
    {%- endif -%}
{%- endmacro %}
