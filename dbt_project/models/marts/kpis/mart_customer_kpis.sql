-- Cohort KPIs: one row per first-order month. Retention in month k = share of the cohort ordering in
-- the k-th calendar month after its first (NULL while that month has not ended by as_of_date);
-- repurchase rate = share with a second order; churn/active follow the lifecycle vars.
with customers as (
    select
        customer_id,
        cast(date_trunc('month', first_order_at) as date) as cohort_month,
        order_count,
        lifecycle_stage,
        recency_days,
        as_of_date
    from {{ ref('mart_customer_profile') }}
    where first_order_at is not null
),

order_months as (
    select distinct o.customer_id, cast(date_trunc('month', o.ordered_at) as date) as order_month
    from {{ ref('fct_orders') }} as o
    cross join {{ ref('int_as_of_date') }} as a
    where o.is_revenue and o.customer_id is not null and o.order_date <= a.as_of_date
),

activity as (
    select c.customer_id, c.cohort_month, {{ date_diff('month', 'c.cohort_month', 'm.order_month') }} as month_offset
    from customers as c
    inner join order_months as m on m.customer_id = c.customer_id
),

cohorts as (
    select
        cohort_month,
        count(*) as cohort_size,
        count(*) filter (where order_count >= 2) as repurchasers,
        count(*) filter (where lifecycle_stage = 'churned') as churned_customers,
        count(*) filter (where recency_days <= {{ var('active_window_days') | int }}) as active_customers,
        max(as_of_date) as as_of_date
    from customers
    group by cohort_month
),

retained as (
    select
        cohort_month,
        {%- for k in [1, 2, 3, 6, 12] %}
        count(distinct customer_id) filter (where month_offset = {{ k }}) as retained_m{{ k }}{{ "," if not loop.last }}
        {%- endfor %}
    from activity
    group by cohort_month
)

select
    c.cohort_month,
    c.cohort_size,
    c.repurchasers,
    round(c.repurchasers / c.cohort_size, 4) as repurchase_rate,
    {%- for k in [1, 2, 3, 6, 12] %}
    case
        when {{ plus_months('c.cohort_month', k + 1) }} <= c.as_of_date + 1
        then round(coalesce(r.retained_m{{ k }}, 0) / c.cohort_size, 4)
    end as retention_rate_m{{ k }},
    {%- endfor %}
    c.churned_customers,
    round(c.churned_customers / c.cohort_size, 4) as churn_rate,
    c.active_customers,
    c.as_of_date
from cohorts as c
left join retained as r on r.cohort_month = c.cohort_month
