-- The surviving value of each golden-record field per customer, chosen by the field's rule in
-- var('survivorship_rules'): source_priority | most_recent | most_complete | most_frequent.
-- Ties fall back to source priority, then recency, completeness, frequency, and finally the value itself.
-- Rules compare the normalised keys (`value`); the winner's `display_value` is the value as its source wrote it.
-- City and province survive together, from one record: the best-ranked city record that also has a province
-- (else the city's own winner), so the golden record never pairs a city of one source with a province of another.
-- Set-based: each field's winner is the least of its candidates in survivorship_order() (an arg_min per customer
-- and field, hash aggregates over one scan of the candidates), not a sort of every candidate.
{#- a table read by dim_customer and its tests (compute once); incremental: the touched customers only #}
{{ config(materialized=('table' if target.type == 'spark' else 'incremental'), incremental_strategy='delete+insert', unique_key='customer_id',
          on_schema_change='append_new_columns', pre_hook="{{ delete_touched_rows() }}",
          post_hook="{{ log_incremental_batch() }}") }}
{%- set rules = survivorship_rules() %}
{%- set ranked_columns = ['display_value', 'source', 'source_record_id', 'observed_at', 'rule', 'source_rank',
                          'recency_rank', 'record_completeness'] %}
{%- set output_columns = ['value', 'display_value', 'source', 'source_record_id', 'observed_at', 'rule'] %}
{%- set located_fields = "('city', 'province')" %}
{%- set ranked_struct, output_struct = [], [] %}
{%- for c in ranked_columns %}{% do ranked_struct.append((c, c)) %}{% endfor %}
{%- for c in output_columns %}{% do output_struct.append((c, c)) %}{% endfor %}
-- depends_on: {{ ref('int_customer_attributes_unpivoted') }}
with records_in_scope as (
    -- the records of the customers this build rebuilds (an incremental build: the touched ones)
    select source, source_record_id
    from {{ ref('stg_linkage__customer_xref') }}
    where customer_id is not null {{ touched_rows_filter(keyword='and') }}
),

candidates as (
    select
        customer_id, field, value, display_value, source, source_record_id, observed_at, record_completeness,
        case field
            {%- for field, rule in rules.items() %}
            when {{ sql_literal(field) }} then {{ sql_literal(rule) }}
            {%- endfor %}
        end as rule,
        {{ source_rank('source') }} as source_rank,
        coalesce(-{{ epoch_microseconds('observed_at') }}, 9223372036854775807) as recency_rank
    -- the candidates of int_customer_attributes_unpivoted, of the records in scope only on an incremental build
    from ({{ customer_attribute_candidates('records_in_scope' if is_incremental() else none) }}) as a
    where customer_id is not null  -- an unlinked row is no customer: nothing survives for it
),

value_candidates as (
    -- one row per (customer, field, value): how many of the customer's records carry the value, and the best
    -- ranked of them (within one value the frequency is the same for all, so it cannot change their order)
    select
        customer_id, field, value,
        count(*) as value_frequency,
        {{ arg_min_by(struct_of(ranked_struct), survivorship_order('0')) }} as best
    from candidates
    where field not in {{ located_fields }}
    group by customer_id, field, value
),

field_winners as (
    select
        customer_id, field,
        {{ arg_min_by(struct_of(output_struct), survivorship_order('value_frequency')) }} as winner
    from (
        select customer_id, field, value, value_frequency
            {%- for c in ranked_columns %}, best.{{ c }} as {{ c }}{% endfor %}
        from value_candidates
    ) as v
    group by customer_id, field
),

located as (
    -- city and province candidates, with how many of the customer's records carry each value
    select *, count(*) over (partition by customer_id, field, value) as value_frequency
    from candidates
    where field in {{ located_fields }}
),

province_records as (
    select distinct customer_id as province_customer_id, source as province_source,
        source_record_id as province_source_record_id
    from located
    where field = 'province'
),

city_winners as (
    -- the best city of a record that also has a province, else the best city
    select
        customer_id, field,
        {{ arg_min_by(struct_of(output_struct), ['without_province'] + survivorship_order('value_frequency')) }} as winner
    from (
        select c.*, case when p.province_customer_id is null then 1 else 0 end as without_province
        from located as c
        left join province_records as p
            on p.province_customer_id = c.customer_id and p.province_source = c.source
            and p.province_source_record_id = c.source_record_id
        where c.field = 'city'
    ) as c
    group by customer_id, field
),

province_winners as (
    -- the province of the city's record when it has one, else the best province
    select
        customer_id, field,
        {{ arg_min_by(struct_of(output_struct), ['off_city_record'] + survivorship_order('value_frequency')) }} as winner
    from (
        select c.*, case when l.customer_id is null then 1 else 0 end as off_city_record
        from located as c
        left join (
            select customer_id, winner.source as city_source, winner.source_record_id as city_source_record_id
            from city_winners
        ) as l
            on l.customer_id = c.customer_id and l.city_source = c.source
            and l.city_source_record_id = c.source_record_id
        where c.field = 'province'
    ) as c
    group by customer_id, field
),

winners as (
    select * from field_winners
    union all
    select * from city_winners
    union all
    select * from province_winners
)

select
    customer_id, field
    {%- for c in output_columns %}, winner.{{ c }} as {{ c }}{% endfor %}
from winners
