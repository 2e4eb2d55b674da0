{#- The latest delivery of each fact row with its linked customer_id: the SQL of the views int_orders_linked,
    int_interactions_linked, int_survey_responses_linked and int_campaign_members_linked, which the facts render
    again for the night's rows only on an incremental build (macros/incremental_marts.sql).

    A fact keeps the rows whose customer the night touched or that are linked to no customer; which row of a key
    is the latest, and so whose customer it carries, is decided among all deliveries of the key. So the night's
    rows are computed from every delivery of the keys that have one delivery whose person is not linked to an
    untouched customer: restricting the silver rows before the windows (DuckDB does not push a filter on the
    joined customer below them) and leaving each key's rows whole. -#}

{#- `and` condition keeping the silver rows (alias `r`) of the keys the night rebuilds; empty on a full build or
    when `night` is false. -#}
{% macro night_keys_filter(model, key_columns, night) -%}
    {%- if night and night_is_narrow() -%}
    {#- an uncorrelated `in`: a correlated `exists` is a delim join in DuckDB (fct_orders ~20% more CPU) #}
    and ({% for k in key_columns %}r.{{ k }}{{ ", " if not loop.last }}{% endfor %}) in (
        select {% for k in key_columns %}night_row.{{ k }}{{ ", " if not loop.last }}{% endfor %}
        from {{ ref(model) }} as night_row
        left join {{ ref('stg_linkage__customer_xref') }} as night_xref
            on night_xref.source = night_row.source
            and night_xref.source_record_id = night_row.person_source_record_id
        where night_xref.customer_id is null
            or night_xref.customer_id in (select customer_id from {{ ref('int_customers_touched') }})
    )
    {%- endif -%}
{%- endmacro %}

{#- Order lines, latest delivery of each (source, order_id, line_no). Sheets without line numbers number an order's
    rows in file order, so a re-delivered file dedupes and a multi-line order keeps every line. -#}
{% macro orders_linked(night=false) -%}
with numbered as (
    select
        {{ star_replace(ref('stg_silver__orders'), {'line_no': "coalesce(line_no, row_number() over (
                partition by source, order_id, loaded_from_file, run_date order by loaded_from_line
            ))"}) }}
    from {{ ref('stg_silver__orders') }} as r
    where order_id is not null
        {{ night_keys_filter('stg_silver__orders', ['source', 'order_id'], night) }}
),

rows_ as (
    select * from numbered
    {{ latest_per_key(['source', 'order_id', 'line_no']) }}
)
{{ select_linked('rows_') }}
{%- endmacro %}

{#- The latest delivery of each `key_columns` of a silver fact model (`present`: the key column that must be set). -#}
{% macro latest_rows_linked(model, key_columns, present, night=false) -%}
with rows_ as (
    select * from {{ ref(model) }} as r
    where {{ present }} is not null
        {{ night_keys_filter(model, key_columns, night) }}
    {{ latest_per_key(key_columns) }}
)
{{ select_linked('rows_') }}
{%- endmacro %}

{#- True when the night touched at most half of the customers: then restricting the silver rows first pays. A
    night that touches (nearly) everyone — a changed project, a full re-link — reads every row once instead of
    joining every row twice (which, beside survivorship, ran out of DuckDB's memory bound at 150k customers).
    Only a plan choice (both plans give the same rows), so the customers are counted as the last build's
    dim_customer rows (one per customer: a table's count, ~1 ms) instead of the distinct customers of the xref
    view (a scan of its Parquet, ~0.2 s for each of the four facts); without that table, the xref's. Read without
    ref(): a fact does not depend on dim_customer. -#}
{% macro night_is_narrow() -%}
    {%- if not execute -%}{{ return(true) }}{%- endif -%}
    {%- set dim = graph.nodes.get('model.' ~ project_name ~ '.dim_customer') -%}
    {%- set built = none if dim is none else adapter.get_relation(database=dim.database, schema=dim.schema,
                                                                  identifier=dim.alias) -%}
    {%- set customers = ('select count(*) from ' ~ built) if built is not none and built.is_table
        else ('select count(distinct customer_id) from ' ~ ref('stg_linkage__customer_xref')) -%}
    {%- set counted = run_query('select (select count(*) from ' ~ ref('int_customers_touched') ~ ') * 2'
        ~ ' <= (' ~ customers ~ ')') -%}
    {{- return(counted.columns[0].values()[0]) -}}
{%- endmacro %}
