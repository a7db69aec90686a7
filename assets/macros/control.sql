{# The first of a record's fields that holds a control character, as control_reason words it
   ('<field>: control character U+0000 in the value'), or NULL.

   One has_control test over the record's fields run together decides whether any field
   holds one (concat adds nothing between them and skips NULLs), and only such a record
   is searched field by field: a regular expression per field and record cost more than
   the rest of typing a feed of millions of rows.

   fields: the source fields, in the order the reason should name the first; prefix: the
   relation they are read from, e.g. 's.'. #}
{% macro control_reasons(fields, prefix='') -%}
    CASE WHEN has_control(concat(
        {%- for f in fields %}{{ prefix }}"{{ f }}"{% if not loop.last %}, {% endif %}{% endfor -%}
    )) THEN coalesce(
        {%- for f in fields %}control_reason('{{ f }}', {{ prefix }}"{{ f }}"){% if not loop.last %}, {% endif %}{% endfor -%}
    ) END
{%- endmacro %}
