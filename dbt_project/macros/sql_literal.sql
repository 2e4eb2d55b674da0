{#- A config value as a safe SQL string literal (quotes doubled), or NULL. -#}
{% macro sql_literal(value) -%}
    {%- if value is none -%}null{%- else -%}'{{ (value | string).replace("'", "''") }}'{%- endif -%}
{%- endmacro %}

{#- A list of config values as a SQL list of literals: ('a', 'b'). -#}
{% macro sql_literal_list(values) -%}
    ({%- for v in values -%}{{ sql_literal(v) }}{{ ", " if not loop.last }}{%- endfor -%}{%- if values | length == 0 -%}null{%- endif -%})
{%- endmacro %}
