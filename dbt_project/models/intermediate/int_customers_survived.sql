-- The surviving value of each golden-record field per customer, chosen by the field's rule in
-- var('survivorship_rules'): source_priority | most_recent | most_complete | most_frequent.
-- Ties fall back to source priority, then recency, completeness, frequency, and finally the value itself.
-- Rules compare the normalised keys (`value`); the winner's `display_value` is the value as its source wrote it.
-- City and province survive together, from one record: the best-ranked city record that also has a province
-- (else the city's own winner), so the golden record never pairs a city of one source with a province of another.
-- Set-based, one scan of the candidates, and no window partitioned per customer: DuckDB's window operator pins
-- memory per partition group, and at 333k customers (9.7M candidates) `over (partition by customer_id, field, ...)`
-- ran out of its 1.4 GiB bound (duckdb/duckdb#7808). So the counts are a group-by joined back, and the ranking
-- sorts a narrow relation (the candidate's id and its order keys) in a few coarse buckets of customers, keeping each
-- (customer, field)'s first row (macros/survivorship.sql, first_candidates); the winners' rows are joined back by id.
-- Sorts, joins and group-bys spill; an arg_min per customer and field held every group's state in memory (2.9 GB
-- at 150k).
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
    -- the records of the customers this build rebuilds (an incremental build: the touched ones), with their
    -- customer (the candidates take it from here instead of joining the whole xref again)
    select source, source_record_id, customer_id
    from {{ ref('stg_linkage__customer_xref') }}
    where customer_id is not null {{ touched_rows_filter(keyword='and') }}
),

candidates as {{ 'materialized' if target.type != 'spark' }} (  -- read by the counts, the ranking and the join back
    select
        {{ row_id() }} as candidate_id,  -- the row's id within this build: what the ranking carries
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

value_frequencies as (
    -- how many of the customer's records carry each value (the most_frequent rule and a tie-breaker)
    select customer_id, field, value, count(*) as value_frequency
    from candidates
    group by customer_id, field, value
),

ranked as (
    -- what the ranking reads: the id and the order keys, without the rows' other columns
    select c.candidate_id, c.customer_id, c.field, c.source, c.source_record_id, c.value, c.display_value, c.rule,
        c.source_rank, c.recency_rank, c.record_completeness, f.value_frequency
    from candidates as c
    inner join value_frequencies as f on f.customer_id = c.customer_id and f.field = c.field and f.value = c.value
),

field_winners as (
    {{ first_candidates('ranked', "field not in " ~ located_fields) }}
),

province_records as (
    -- the records with a province: a city is taken from one of them when the customer has one
    select distinct customer_id as preferred_customer_id, source as preferred_source,
        source_record_id as preferred_source_record_id
    from ranked
    where field = 'province'
),
{%- for field, preferred in [('city', 'province_records'), ('province', 'city_record')] %}

{{ field }}_candidates as (
    -- the {{ field }} candidates, those of a record in {{ preferred }} first
    select c.*, case when p.preferred_customer_id is null then 1 else 0 end as not_preferred
    from ranked as c
    left join {{ preferred }} as p
        on p.preferred_customer_id = c.customer_id and p.preferred_source = c.source
        and p.preferred_source_record_id = c.source_record_id
    where c.field = {{ sql_literal(field) }}
),

{{ field }}_winners as (
    -- the best {{ field }} of a record in {{ preferred }}, else the best {{ field }}
    {{ first_candidates(field ~ '_candidates', 'true', ['not_preferred']) }}
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
    select candidate_id from field_winners
    union all
    select candidate_id from city_winners
    union all
    select candidate_id from province_winners
)

select {% for c in output_columns %}c.{{ c }}{{ ", " if not loop.last }}{% endfor %}
from winners as w
inner join candidates as c on c.candidate_id = w.candidate_id
