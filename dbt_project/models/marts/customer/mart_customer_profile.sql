-- The 360° row: one per customer_id. Rules (RFM, CLV, lifecycle, value tier) are documented in
-- _customer.yml and parameterised by vars in dbt_project.yml; "today" is int_as_of_date.
{%- set lc = var('lifecycle') %}
{%- set tiers = var('value_tiers') %}
{%- set clv = var('clv') %}
{#- `and` condition keeping one customer's rows to the batch an incremental build rewrites (before each
    per-customer aggregate: a filter on the joined result is not pushed through them); empty on a full build -#}
{%- set in_batch = 'and customer_id in (select customer_id from batch)' if is_incremental() else '' %}
{#- CLV annuity factor: sum over t = 1..H of (retention / (1 + discount))^t -#}
{%- set q = (clv['annual_retention_rate'] | float) / (1 + (clv['discount_rate'] | float)) %}
{%- set ns = namespace(annuity=0.0) %}
{%- for t in range(1, (clv['horizon_years'] | int) + 1) %}{% set ns.annuity = ns.annuity + q ** t %}{% endfor %}
{#- incremental: the touched customers' rows, and those whose recency, RFM quintile, value tier or archive flag
    moved with everyone else's (a new as_of_date, a shifted spend distribution) -#}
{{ config(materialized=('table' if target.type == 'spark' else 'incremental'), incremental_strategy='delete+insert', unique_key='customer_id',
          on_schema_change='append_new_columns', pre_hook="{{ delete_touched_rows() }}",
          post_hook="{{ log_incremental_batch() }}") }}
-- depends_on: {{ ref('int_customers_touched') }}
with as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

revenue_lines as (
    -- the columns read below only: read three times, this is materialized (all of fct_orders' columns cost
    -- more to copy than the aggregates that read it)
    select o.customer_id, o.ordered_at, o.source, o.order_id, o.amount_reporting, o.product_category, o.payment_method
    from {{ ref('fct_orders') }} as o
    cross join as_of as a
    where o.is_revenue and o.customer_id is not null and o.order_date <= a.as_of_date
),

orders as (
    select
        customer_id,
        min(ordered_at) as first_order_at,
        max(ordered_at) as last_order_at,
        count(distinct source || chr(31) || order_id) as order_count,
        -- to the cent: a float sum depends on the order of its rows, which an incremental build changes
        round(sum(amount_reporting), 2) as total_spend
    from revenue_lines
    group by customer_id
),

buyers as (
    select
        o.*,
        o.total_spend / o.order_count as avg_order_value,
        {{ date_diff('day', 'cast(o.last_order_at as date)', 'a.as_of_date') }} as recency_days,
        greatest({{ date_diff('day', 'cast(o.first_order_at as date)', 'a.as_of_date') }}, 0) / cast(365.25 as double) as tenure_years
    from orders as o cross join as_of as a
),

rfm as (
    -- quintiles by cumulative distribution, so equal values always get equal scores
    select
        *,
        cast(ceil(5 * cume_dist() over (order by recency_days desc)) as integer) as rfm_recency,
        cast(ceil(5 * cume_dist() over (order by order_count)) as integer) as rfm_frequency,
        cast(ceil(5 * cume_dist() over (order by total_spend nulls first)) as integer) as rfm_monetary,
        cume_dist() over (order by total_spend desc nulls last) as spend_top_share
    from buyers
),

tiered as (
    select
        *,
        case
            {%- if tiers['vip_min_spend'] is not none %}
            when total_spend >= {{ tiers['vip_min_spend'] | float }} then 'vip'
            {%- endif %}
            when spend_top_share <= {{ tiers['vip_top_share'] | float }} then 'vip'
            when spend_top_share <= {{ tiers['high_top_share'] | float }} then 'high'
            when spend_top_share <= {{ tiers['medium_top_share'] | float }} then 'medium'
            else 'low'
        end as value_tier
    from rfm
),

{%- if is_incremental() %}

batch as materialized (
    -- the rows this build rewrites; the per-customer figures below are computed for them only
    select customer_id from {{ ref('int_customers_touched') }}
    union
    select d.customer_id
    from {{ ref('dim_customer') }} as d
    cross join as_of as a
    left join tiered as r on r.customer_id = d.customer_id
    left join {{ this }} as p on p.customer_id = d.customer_id
    where p.customer_id is null
        or p.as_of_date is distinct from a.as_of_date
        or p.is_archived is distinct from d.is_archived
        or p.rfm_recency is distinct from r.rfm_recency
        or p.rfm_frequency is distinct from r.rfm_frequency
        or p.rfm_monetary is distinct from r.rfm_monetary
        or p.value_tier is distinct from coalesce(r.value_tier, 'none')
),
{%- endif %}

favourite_category as (
    select customer_id, product_category
    from (
        select customer_id, product_category, count(*) as lines, round(sum(amount_reporting), 2) as spend
        from revenue_lines
        where true {{ in_batch }}
        group by customer_id, product_category
    )
    qualify row_number() over (
        partition by customer_id order by lines desc, spend desc nulls last, product_category
    ) = 1
),

favourite_payment as (
    select customer_id, payment_method
    from (
        select customer_id, payment_method, count(distinct source || chr(31) || order_id) as orders
        from revenue_lines
        where true {{ in_batch }}
        group by customer_id, payment_method
    )
    qualify row_number() over (partition by customer_id order by orders desc, payment_method) = 1
),

interactions as (
    select
        customer_id,
        count(*) as interaction_count,
        max(occurred_at) as last_interaction_at,
        max(channel) filter (where recency_rank = 1) as last_interaction_channel
    from (
        select *, row_number() over (
            partition by customer_id order by occurred_at desc nulls last, interaction_key
        ) as recency_rank
        from {{ ref('fct_interactions') }}
        where customer_id is not null {{ in_batch }}
    )
    group by customer_id
),

preferred_channel as (
    select customer_id, channel
    from (
        select customer_id, channel, count(*) as interactions, max(occurred_at) as last_at
        from {{ ref('fct_interactions') }}
        where customer_id is not null {{ in_batch }}
        group by customer_id, channel
    )
    qualify row_number() over (partition by customer_id order by interactions desc, last_at desc, channel) = 1
),

surveys as (
    select
        customer_id,
        count(*) as survey_response_count,
        max(nps_score) filter (where nps_score is not null and nps_rank = 1) as last_nps_score,
        max(nps_category) filter (where nps_score is not null and nps_rank = 1) as last_nps_category,
        max(submitted_at) filter (where nps_score is not null) as last_nps_at,
        avg(csat_score) as avg_csat_score
    from (
        -- nps_rank 1: the latest answer with an NPS score
        select *, row_number() over (
            partition by customer_id, nps_score is null order by submitted_at desc nulls last, response_key
        ) as nps_rank
        from {{ ref('fct_survey_responses') }}
        where customer_id is not null {{ in_batch }}
    )
    group by customer_id
),

complaints as (
    select customer_id, count(*) filter (where is_open) as open_complaints, count(*) as complaints_total
    from {{ ref('fct_feedback') }}
    where customer_id is not null and feedback_type = 'complaint' {{ in_batch }}
    group by customer_id
),

campaigns as (
    select
        customer_id,
        count(distinct source || chr(31) || campaign_id) as campaigns_joined,
        count(distinct source || chr(31) || campaign_id) filter (where has_attended) as campaigns_attended,
        max(joined_at) as last_campaign_at
    from {{ ref('fct_campaign_participation') }}
    where customer_id is not null {{ in_batch }}
    group by customer_id
),

interest_lists as (
    select customer_id, interests from {{ ref('fct_campaign_participation') }}
    union all
    select xref.customer_id, e.interests
    from {{ ref('stg_silver__enrichments') }} as e
    inner join {{ ref('stg_linkage__customer_xref') }} as xref
        on xref.source = e.source and xref.source_record_id = e.source_record_id
),

interests as (
    select customer_id, {{ string_agg_distinct('interest', ';') }} as interests
    from (
        select customer_id, trim(listed) as interest
        from (
            select customer_id, {{ unnest_list(split_string("replace(interests, '；', ';')", ';')) }} as listed
            from interest_lists
            where customer_id is not null and interests is not null {{ in_batch }}
        )
    )
    where interest <> ''
    group by customer_id
)

select
    d.customer_id,
    d.full_name,
    d.email,
    d.phone,
    d.wechat_id,
    d.company,
    d.city,
    d.province,
    d.country,
    d.segment as customer_segment,
    d.is_archived,
    r.first_order_at,
    r.last_order_at,
    coalesce(r.order_count, 0) as order_count,
    coalesce(r.total_spend, 0) as total_spend,
    r.avg_order_value,
    {{ sql_literal(var('reporting_currency')) }} as reporting_currency,
    fc.product_category as favourite_category,
    fp.payment_method as favourite_payment_method,
    r.order_count / greatest(r.tenure_years * 12, 1) as orders_per_month,
    r.recency_days,
    r.rfm_recency,
    r.rfm_frequency,
    r.rfm_monetary,
    cast(r.rfm_recency as {{ string_type() }}) || cast(r.rfm_frequency as {{ string_type() }}) || cast(r.rfm_monetary as {{ string_type() }}) as rfm_score,
    case
        when r.customer_id is null then null
        when r.rfm_recency >= 4 and r.rfm_frequency >= 4 then 'Champions'
        when r.rfm_recency >= 3 and r.rfm_frequency >= 4 then 'Loyal customers'
        when r.rfm_recency >= 4 and r.rfm_frequency >= 2 then 'Potential loyalists'
        when r.rfm_recency >= 4 then 'New customers'
        when r.rfm_recency = 3 and r.rfm_frequency = 3 then 'Need attention'
        when r.rfm_recency = 3 then 'About to sleep'
        when r.rfm_recency = 1 and r.rfm_frequency >= 4 then 'Cannot lose them'
        when r.rfm_frequency >= 3 then 'At risk'
        when r.rfm_recency = 2 then 'Hibernating'
        else 'Lost'
    end as rfm_segment,
    coalesce(r.total_spend, 0) as clv_historical,
    case
        when r.customer_id is null then 0
        when r.recency_days > {{ lc['churn_after_days'] | int }} then 0
        -- 0 when no order has a known amount (e.g. only currencies without a rate)
        else coalesce(round(
            r.avg_order_value * r.order_count / greatest(r.tenure_years, 1)
            * cast({{ clv['gross_margin'] | float }} as double) * cast({{ ns.annuity }} as double), 2), 0)
    end as clv_predictive,
    case
        when r.customer_id is null then 'prospect'
        when r.recency_days > {{ lc['churn_after_days'] | int }} then 'churned'
        when r.recency_days > {{ lc['at_risk_after_days'] | int }} then 'at_risk'
        when r.order_count >= {{ lc['loyal_min_orders'] | int }} then 'loyal'
        when r.order_count >= 2 then 'repeat'
        else 'new'
    end as lifecycle_stage,
    coalesce(r.value_tier, 'none') as value_tier,
    coalesce(i.interaction_count, 0) as interaction_count,
    i.last_interaction_at,
    i.last_interaction_channel,
    pc.channel as preferred_channel,
    coalesce(s.survey_response_count, 0) as survey_response_count,
    s.last_nps_score,
    s.last_nps_category,
    s.last_nps_at,
    s.avg_csat_score,
    coalesce(c.open_complaints, 0) as open_complaints,
    coalesce(c.complaints_total, 0) as complaints_total,
    coalesce(cp.campaigns_joined, 0) as campaigns_joined,
    coalesce(cp.campaigns_attended, 0) as campaigns_attended,
    cp.last_campaign_at,
    it.interests,
    a.as_of_date
from (
    -- on an incremental build the batch's customers before the joins: a filter after them is applied to every
    -- customer's joined row (DuckDB does not push the semi join below the left joins)
    select * from {{ ref('dim_customer') }}
    {%- if is_incremental() %}
    where customer_id in (select customer_id from batch)
    {%- endif %}
) as d
cross join as_of as a
left join tiered as r on r.customer_id = d.customer_id
left join favourite_category as fc on fc.customer_id = d.customer_id
left join favourite_payment as fp on fp.customer_id = d.customer_id
left join interactions as i on i.customer_id = d.customer_id
left join preferred_channel as pc on pc.customer_id = d.customer_id
left join surveys as s on s.customer_id = d.customer_id
left join complaints as c on c.customer_id = d.customer_id
left join campaigns as cp on cp.customer_id = d.customer_id
left join interests as it on it.customer_id = d.customer_id
