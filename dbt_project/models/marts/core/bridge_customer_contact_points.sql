-- Every email, phone and WeChat id known for a customer, with where and when it was seen.
-- Incremental (macros/incremental_marts.sql): a night rewrites the contact points of the customers it touched.
{{ config(materialized=('table' if target.type == 'spark' else 'incremental'), incremental_strategy='delete+insert', unique_key='contact_point_id',
          on_schema_change='append_new_columns', pre_hook="{{ delete_touched_rows() }}",
          post_hook="{{ log_incremental_batch() }}") }}
with
{%- if is_incremental() %}
records_in_scope as materialized (
    -- an incremental build: the touched customers' records and their customer, read by the persons' filter and
    -- the join below (the xref's Parquet is read once, and the join hashes these records, not every linked one)
    select source, source_record_id, customer_id
    from {{ ref('stg_linkage__customer_xref') }}
    where customer_id is not null {{ touched_rows_filter(keyword='and') }}
),
{%- endif %}

persons as (
    -- an incremental build: the records of the touched customers only, before their lists are unnested (an
    -- uncorrelated `in` on the columns read: a correlated `exists` was a delim join over every person's columns)
    select source, source_record_id, loaded_at, emails, phones, wechat_id
    from {{ ref('stg_silver__persons') }}
    {%- if is_incremental() %}
    where (source, source_record_id) in (select source, source_record_id from records_in_scope)
    {%- endif %}
),

points as (
    select source, source_record_id, loaded_at, 'email' as contact_type, {{ unnest_list('emails') }} as contact_value from persons
    union all
    select source, source_record_id, loaded_at, 'phone', {{ unnest_list('phones') }} from persons
    union all
    select source, source_record_id, loaded_at, 'wechat', wechat_id from persons
),

linked as (
    select xref.customer_id, p.contact_type, {{ clean_text('p.contact_value') }} as contact_value, p.source, p.loaded_at
    from points as p
    inner join {{ 'records_in_scope' if is_incremental() else ref('stg_linkage__customer_xref') }} as xref
        on xref.source = p.source and xref.source_record_id = p.source_record_id
    where xref.customer_id is not null  -- an unlinked row's values (placeholders, junk) belong to no customer
    {{ touched_rows_filter('xref.customer_id', keyword='and') }}
)

select
    {{ surrogate_key(['l.customer_id', 'l.contact_type', 'l.contact_value']) }} as contact_point_id,
    l.customer_id,
    l.contact_type,
    l.contact_value,
    {{ string_agg_distinct('l.source', ';') }} as sources,
    count(*) as times_seen,
    min(l.loaded_at) as first_seen_at,
    max(l.loaded_at) as last_seen_at,
    coalesce(bool_or(
        (l.contact_type = 'email' and l.contact_value = dim.email)
        or (l.contact_type = 'phone' and l.contact_value = dim.phone)
        or (l.contact_type = 'wechat' and l.contact_value = dim.wechat_id)
    ), false) as is_primary
from linked as l
left join {{ ref('dim_customer') }} as dim on dim.customer_id = l.customer_id
where l.contact_value is not null
group by l.customer_id, l.contact_type, l.contact_value
