-- First/last dates of every kind of activity per customer, from the facts (built once, the latest delivery of
-- each row with its customer) and the CRM records' own dates.
with events as (
    select customer_id, 'order' as kind, ordered_at as event_at from {{ ref('fct_orders') }}
    union all
    select customer_id, 'interaction', occurred_at from {{ ref('fct_interactions') }}
    union all
    select customer_id, 'survey', submitted_at from {{ ref('fct_survey_responses') }}
    union all
    select customer_id, 'campaign', joined_at from {{ ref('fct_campaign_participation') }}
    union all
    select xref.customer_id, 'record', coalesce(c.updated_at, c.created_at)
    from {{ ref('stg_silver__contacts') }} as c
    inner join {{ ref('stg_linkage__customer_xref') }} as xref
        on xref.source = c.source and xref.source_record_id = c.source_record_id
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
