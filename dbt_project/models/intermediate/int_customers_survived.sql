-- The surviving value of each golden-record field per customer, chosen by the field's rule in
-- var('survivorship_rules'): source_priority | most_recent | most_complete | most_frequent.
-- Ties fall back to source priority, then recency, completeness, frequency, and finally the value itself.
-- Rules compare the normalised keys (`value`); the winner's `display_value` is the value as its source wrote it.
-- City and province survive together, from one record: the best-ranked city record that also has a province
-- (else the city's own winner), so the golden record never pairs a city of one source with a province of another.
-- Set-based, one scan of the candidates: a window counts each value, a second ranks each field's candidates in
-- survivorship_order() and keeps the first: sorts, which DuckDB spills past its memory limit (an arg_min per
-- customer and field held every group's state in memory instead: 2.9 GB at 150k customers).
{#- a table read by dim_customer and its tests (compute once); incremental: the touched customers only #}
{{ config(materialized=('table' if target.type == 'spark' else 'incremental'), incremental_strategy='delete+insert', unique_key='customer_id',
          on_schema_change='append_new_columns', pre_hook="{{ delete_touched_rows() }}",
          post_hook="{{ log_incremental_batch() }}") }}
{%- set rules = survivorship_rules() %}
{%- set output_columns = ['customer_id', 'field', 'value', 'display_value', 'source', 'source_record_id', 'observed_at',
                          'rule'] %}
{%- set located_fields = "('city', 'province')" %}
-- depends_on: {{ ref('int_customer_attributes_unpivoted') }}
with records_in_scope as {{ 'materialized' if is_incremental() }} (  -- read by every source's scan below: once
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

counted as (
    -- how many of the customer's records carry each value (the most_frequent rule and a tie-breaker)
    select *, count(*) over (partition by customer_id, field, value) as value_frequency
    from candidates
),

field_winners as (
    select {{ output_columns | join(', ') }}
    from counted
    where field not in {{ located_fields }}
    qualify row_number() over (partition by customer_id, field order by {{ survivorship_order('value_frequency') | join(', ') }}) = 1
),

located as (
    select * from counted where field in {{ located_fields }}
),

province_records as (
    -- the records with a province: a city is taken from one of them when the customer has one
    select distinct customer_id as preferred_customer_id, source as preferred_source,
        source_record_id as preferred_source_record_id
    from located
    where field = 'province'
),
{%- for field, preferred in [('city', 'province_records'), ('province', 'city_record')] %}

{{ field }}_winners as (
    -- the best {{ field }} of a record in {{ preferred }}, else the best {{ field }}
    select {{ output_columns | join(', ') }}
    from (
        select c.*, case when p.preferred_customer_id is null then 1 else 0 end as not_preferred
        from located as c
        left join {{ preferred }} as p
            on p.preferred_customer_id = c.customer_id and p.preferred_source = c.source
            and p.preferred_source_record_id = c.source_record_id
        where c.field = {{ sql_literal(field) }}
    ) as c
    qualify row_number() over (partition by customer_id order by not_preferred, {{ survivorship_order('value_frequency') | join(', ') }}) = 1
),
{%- if field == 'city' %}

city_record as (
    -- the record the city survived from: the province is taken from it when it has one
    select customer_id as preferred_customer_id, source as preferred_source,
        source_record_id as preferred_source_record_id
    from city_winners
),
{%- endif %}
{%- endfor %}

winners as (
    select * from field_winners
    union all
    select * from city_winners
    union all
    select * from province_winners
)

select * from winners
