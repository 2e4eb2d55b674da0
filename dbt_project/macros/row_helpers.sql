{#- Keep the latest delivery of each key: later run, later load, later line wins. -#}
{% macro latest_per_key(key_columns) -%}
    qualify row_number() over (
        partition by {{ key_columns | join(', ') }}
        order by run_date desc nulls last, loaded_at desc nulls last, loaded_from_line desc nulls last
    ) = 1
{%- endmacro %}

{#- A free-text category as a lower-case token, NULL when blank. -#}
{% macro clean_category(column) -%}
    nullif(lower(trim({{ column }})), '')
{%- endmacro %}

{#- A free-text value trimmed, NULL when blank. -#}
{% macro clean_text(column) -%}
    nullif(trim({{ column }}), '')
{%- endmacro %}

{#- Stable surrogate key from several columns (NULL-safe, separator-safe). -#}
{% macro surrogate_key(columns) -%}
    md5(concat_ws(chr(31), {% for c in columns %}coalesce(cast({{ c }} as {{ string_type() }}), chr(0)){{ ", " if not loop.last }}{% endfor %}))
{%- endmacro %}

{#- `select <cte>.*, customer_id` joining a CTE (with source, person_source_record_id) to the xref. -#}
{% macro select_linked(cte) -%}
select {{ cte }}.*, xref.customer_id
from {{ cte }}
left join {{ ref('stg_linkage__customer_xref') }} as xref
    on xref.source = {{ cte }}.source and xref.source_record_id = {{ cte }}.person_source_record_id
{%- endmacro %}

{#- The lineage columns of a silver row, renamed for the warehouse. -#}
{% macro silver_lineage_columns() -%}
    cast(_file as {{ string_type() }}) as loaded_from_file,
    try_cast(_line as bigint) as loaded_from_line,
    {{ try_cast_timestamp('_loaded_at') }} as loaded_at,
    {{ try_cast_date('_run_date') }} as run_date
{%- endmacro %}
