-- Every delivered source row → its customer: one row per row of every landing file that reached silver
-- (contacts, enrichment, orders, survey responses, interactions, campaign members; every run), located by
-- source, file and line, with the row's own key as delivered and the customer_id linkage gave its person
-- (NULL when the row is not linked). A downstream system maps any order, response or interaction to the
-- customer file with it.
-- Incremental (macros/incremental_marts.sql): a night rewrites the rows of the customers it touched (their new rows,
-- rows whose person moved, and drops the rows of erased records) and the rows linked to no customer.
{{ config(materialized=('table' if target.type == 'spark' else 'incremental'), incremental_strategy='delete+insert', unique_key='source_row_id',
          on_schema_change='append_new_columns', pre_hook="{{ delete_touched_rows(unlinked=true) }}",
          post_hook="{{ log_incremental_batch() }}") }}
{%- set entities = [
    ('contact', 'stg_silver__contacts', ['source_record_id']),
    ('enrichment', 'stg_silver__enrichments', ['source_record_id']),
    ('order', 'stg_silver__orders', ['order_id', 'line_no']),
    ('survey_response', 'stg_silver__survey_responses', ['response_id']),
    ('interaction', 'stg_silver__interactions', ['interaction_id']),
    ('campaign_member', 'stg_silver__campaign_members', ['campaign_id', 'customer_ref']),
] %}
with source_rows as (
    {%- for entity, model, key in entities %}
    select
        source,
        {{ sql_literal(entity) }} as entity,
        loaded_from_file as source_file,
        loaded_from_line as source_line,
        run_date,
        {%- if key | length == 1 %}
        cast({{ key[0] }} as {{ string_type() }}) as row_key,
        {%- else %}
        concat_ws('|', {% for k in key %}coalesce(cast({{ k }} as {{ string_type() }}), ''){{ ", " if not loop.last }}{% endfor %}) as row_key,
        {%- endif %}
        {{ sql_literal(key | join('|')) }} as row_key_columns,
        person_source_record_id
    from {{ ref(model) }}
    {{ "union all" if not loop.last }}
    {%- endfor %}
)

select
    {{ surrogate_key(['r.source', 'r.source_file', 'r.source_line', 'r.run_date']) }} as source_row_id,
    r.source,
    r.entity,
    r.source_file,
    r.source_line,
    r.run_date,
    r.row_key,
    r.row_key_columns,
    r.person_source_record_id,
    xref.customer_id,
    case when xref.customer_id is not null then xref.match_probability end as match_probability,
    xref.customer_id is not null as is_linked
from source_rows as r
left join {{ ref('stg_linkage__customer_xref') }} as xref
    on xref.source = r.source and xref.source_record_id = r.person_source_record_id
{{ touched_rows_filter('xref.customer_id') }}
