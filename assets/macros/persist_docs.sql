{# persist_docs for DuckDB in one round trip per model.

   dbt's default persist_docs runs the relation's COMMENT ON, then looks up the relation's
   columns twice (once in persist_docs, once more in dbt-duckdb's alter_column_comment) and
   runs the column comments: four statements through dbt's query machinery per model. The
   BI contract reads these comments (kuva_pipeline/bicontract.py, publish.py), so they stay;
   this version looks the columns up once and sends every comment in one statement.

   A documented column the relation lacks is skipped with dbt's own warning
   (validate_doc_columns), as the default does. #}
{% macro duckdb__persist_docs(relation, model, for_relation, for_columns) -%}
  {%- set statements = [] -%}
  {%- if for_relation and config.persist_relation_docs() and model.description -%}
    {%- do statements.append('comment on ' ~ relation.type ~ ' ' ~ relation ~ ' is '
                             ~ duckdb_escape_comment(model.description)) -%}
  {%- endif -%}
  {%- if for_columns and config.persist_column_docs() and model.columns -%}
    {%- set existing = adapter.get_columns_in_relation(relation) | map(attribute="name") | list -%}
    {%- set documented = validate_doc_columns(relation, model.columns, existing) -%}
    {%- for name, column in documented.items() -%}
      {%- do statements.append('comment on column ' ~ relation ~ '.'
                               ~ (adapter.quote(name) if column['quote'] else name)
                               ~ ' is ' ~ duckdb_escape_comment(column['description'])) -%}
    {%- endfor -%}
  {%- endif -%}
  {%- if statements -%}
    {%- do run_query(statements | join(';\n') ~ ';') -%}
  {%- endif -%}
{%- endmacro %}
