-- The golden record: one row per customer_id, each field's surviving value and the source it came from.
-- Names, company and places are published as the winning source wrote them ("Anna Walker", 北京市); their
-- normalised matching keys ("anna walker", 北京) are in the *_key columns (name_key, city_key, …).
-- Customers inactive for more than var('archive_after_days') are flagged archived, never deleted.
-- Incremental (macros/incremental_marts.sql): a night rewrites the customers it touched, and every row when the
-- as-of date moved (it is in every row and decides is_archived); an untouched customer's row is otherwise unchanged.
{{ config(materialized=('table' if target.type == 'spark' else 'incremental'), incremental_strategy='delete+insert', unique_key='customer_id',
          on_schema_change='append_new_columns', pre_hook="{{ delete_touched_rows() }}",
          post_hook="{{ log_incremental_batch() }}") }}
-- depends_on: {{ ref('int_customers_touched') }}
-- depends_on: {{ ref('int_customer_activity_aggregated') }}
{%- set night_activity = customer_activity('customers') if is_incremental() or not execute else '' %}
{%- set fields = golden_record_fields() %}
with customers as (
    select
        customer_id,
        count(*) as source_record_count,
        count(distinct source) as source_count,
        {{ string_agg_distinct('source', ';') }} as sources,
        max(match_probability) as match_probability,
        max(linked_at) as linked_at
    from {{ ref('stg_linkage__customer_xref') }}
    where customer_id is not null
    {%- if is_incremental() %}
        and (customer_id in (select customer_id from {{ ref('int_customers_touched') }})
            or (select as_of_date from {{ ref('int_as_of_date') }})
                is distinct from (select max(as_of_date) from {{ this }}))
    {%- endif %}
    group by customer_id
),

survived as (
    select
        customer_id,
        {%- for f in fields %}
        max(display_value) filter (where field = {{ sql_literal(f) }}) as {{ f }},
        max(source) filter (where field = {{ sql_literal(f) }}) as {{ f }}_source,
        {%- endfor %}
        {%- for f in display_fields() %}
        max(value) filter (where field = {{ sql_literal(f) }}) as {{ key_column(f) }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ ref('int_customers_survived') }}
    {%- if is_incremental() %}
    where customer_id in (select customer_id from customers)
    {%- endif %}
    group by customer_id
)

select
    c.customer_id,
    {%- for f in fields %}
    {%- if f == 'birth_date' %}
    try_cast(s.birth_date as date) as birth_date,
    {%- else %}
    s.{{ f }},
    {%- endif %}
    s.{{ f }}_source,
    {%- endfor %}
    {%- for f in display_fields() %}
    s.{{ key_column(f) }},
    {%- endfor %}
    c.source_record_count,
    c.source_count,
    c.sources,
    c.match_probability,
    c.linked_at,
    a.first_activity_at,
    a.last_activity_at,
    coalesce(a.last_activity_at < {{ minus_days('d.as_of_date', var('archive_after_days') | int) }}, false) as is_archived,
    d.as_of_date
from customers as c
left join survived as s on s.customer_id = c.customer_id
left join
    {%- if is_incremental() %}
    -- the activity of its customers only, the view's SQL rendered here (macros/customer_activity.sql)
    ({{ night_activity }}) as a
    {%- else %}
    {{ ref('int_customer_activity_aggregated') }} as a
    {%- endif %} on a.customer_id = c.customer_id
cross join {{ ref('int_as_of_date') }} as d
