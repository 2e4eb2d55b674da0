-- The surviving value of each golden-record field per customer, chosen by the field's rule in
-- var('survivorship_rules'): source_priority | most_recent | most_complete | most_frequent.
-- Ties fall back to source priority, then recency, completeness, frequency, and finally the value itself.
{{ config(materialized='table') }}  {#- read by dim_customer and its tests: compute once #}
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
)

select customer_id, field, value, source, source_record_id, observed_at, rule
from candidates
qualify row_number() over (
    partition by customer_id, field
    order by
        case when rule = 'source_priority' then source_rank end asc nulls last,
        case when rule = 'most_recent' then observed_at end desc nulls last,
        case when rule = 'most_complete' then record_completeness end desc nulls last,
        case when rule = 'most_frequent' then value_frequency end desc nulls last,
        source_rank asc, observed_at desc nulls last, record_completeness desc, value_frequency desc,
        source, value
) = 1
