-- The surviving value of each golden-record field per customer, chosen by the field's rule in
-- var('survivorship_rules'): source_priority | most_recent | most_complete | most_frequent.
-- Ties fall back to source priority, then recency, completeness, frequency, and finally the value itself.
-- Rules compare the normalised keys (`value`); the winner's `display_value` is the value as its source wrote it.
-- City and province survive together, from one record: the best-ranked city record that also has a province
-- (else the city's own winner), so the golden record never pairs a city of one source with a province of another.
{#- a table read by dim_customer and its tests (compute once); incremental: the touched customers only #}
{{ config(materialized=('table' if target.type == 'spark' else 'incremental'), incremental_strategy='delete+insert', unique_key='customer_id',
          on_schema_change='append_new_columns', pre_hook="{{ delete_touched_rows() }}",
          post_hook="{{ log_incremental_batch() }}") }}
{%- set rules = survivorship_rules() %}
with candidates as (
    select
        *,
        case field
            {%- for field, rule in rules.items() %}
            when {{ sql_literal(field) }} then {{ sql_literal(rule) }}
            {%- endfor %}
        end as rule,
        {{ source_rank('source') }} as source_rank,
        count(*) over (partition by customer_id, field, value) as value_frequency
    from {{ ref('int_customer_attributes_unpivoted') }}
    where customer_id is not null  -- an unlinked row is no customer: nothing survives for it
    {{ touched_rows_filter(keyword='and') }}
),

ranked as (
    select
        *,
        row_number() over (
            partition by customer_id, field
            order by
                case when rule = 'source_priority' then source_rank end asc nulls last,
                case when rule = 'most_recent' then observed_at end desc nulls last,
                case when rule = 'most_complete' then record_completeness end desc nulls last,
                case when rule = 'most_frequent' then value_frequency end desc nulls last,
                source_rank asc, observed_at desc nulls last, record_completeness desc, value_frequency desc,
                source, value
        ) as field_rank
    from candidates
),

location_record as (
    select c.customer_id, c.source, c.source_record_id
    from ranked as c
    left join ranked as p
        on p.field = 'province' and p.customer_id = c.customer_id
        and p.source = c.source and p.source_record_id = c.source_record_id
    where c.field = 'city'
    qualify row_number() over (partition by c.customer_id order by (p.customer_id is null) asc, c.field_rank asc) = 1
)

select r.customer_id, r.field, r.value, r.display_value, r.source, r.source_record_id, r.observed_at, r.rule
from ranked as r
left join location_record as l
    on r.field in ('city', 'province') and l.customer_id = r.customer_id
    and l.source = r.source and l.source_record_id = r.source_record_id
qualify row_number() over (
    partition by r.customer_id, r.field
    order by (l.customer_id is null) asc, r.field_rank asc
) = 1
