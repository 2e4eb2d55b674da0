{#- First/last dates of every kind of activity per customer: the SQL of int_customer_activity_aggregated, which
    dim_customer renders again on an incremental build for its customers only (`customers`: a relation or CTE
    with a customer_id column; DuckDB does not push a filter on the view's result below its aggregate). -#}
{% macro customer_activity(customers=none) -%}
{%- set kept = '(select customer_id from ' ~ customers ~ ')' if customers else none -%}
with events as (
    select customer_id, 'order' as kind, ordered_at as event_at from {{ ref('fct_orders') }}{% if kept %} where customer_id in {{ kept }}{% endif %}
    union all
    select customer_id, 'interaction', occurred_at from {{ ref('fct_interactions') }}{% if kept %} where customer_id in {{ kept }}{% endif %}
    union all
    select customer_id, 'survey', submitted_at from {{ ref('fct_survey_responses') }}{% if kept %} where customer_id in {{ kept }}{% endif %}
    union all
    select customer_id, 'campaign', joined_at from {{ ref('fct_campaign_participation') }}{% if kept %} where customer_id in {{ kept }}{% endif %}
    union all
    select xref.customer_id, 'record', coalesce(c.updated_at, c.created_at)
    from {{ ref('stg_silver__contacts') }} as c
    inner join {{ ref('stg_linkage__customer_xref') }} as xref
        on xref.source = c.source and xref.source_record_id = c.source_record_id
    {%- if kept %}
    where xref.customer_id in {{ kept }}
    {%- endif %}
)

select
    customer_id,
    min(event_at) as first_activity_at,
    max(event_at) as last_activity_at,
    max(event_at) filter (where kind = 'order') as last_order_at,
    max(event_at) filter (where kind = 'interaction') as last_interaction_at,
    max(event_at) filter (where kind = 'survey') as last_survey_at,
    max(event_at) filter (where kind = 'campaign') as last_campaign_at
from events
where customer_id is not null and event_at is not null
group by customer_id
{%- endmacro %}
