-- Calendar-month customer KPIs from the first order month to the as-of month: buying, new and returning
-- customers, active customers (last order at most var('active_window_days') before the month end), churned
-- customers (bought before, nothing for more than vars.lifecycle.churn_after_days at the month end),
-- orders and revenue. The as-of month ends at as_of_date.
{%- set window = var('active_window_days') | int %}
{%- set churn_days = var('lifecycle')['churn_after_days'] | int %}
with as_of as (
    select as_of_date from {{ ref('int_as_of_date') }}
),

lines as (
    select o.customer_id, o.source, o.order_id, o.order_date, o.amount_reporting
    from {{ ref('fct_orders') }} as o
    cross join as_of as a
    where o.is_revenue and o.customer_id is not null and o.order_date <= a.as_of_date
),

customer_days as (
    select distinct customer_id, order_date from lines
),

firsts as (
    select customer_id, cast(date_trunc('month', min(order_date)) as date) as first_month
    from customer_days group by customer_id
),

months as (
    select
        cast(m as date) as month,
        least(cast(m + interval 1 month - interval 1 day as date), a.as_of_date) as month_end
    from as_of as a,
        {{ month_starts(
            "(select cast(date_trunc('month', min(order_date)) as timestamp) from lines)",
            "cast(date_trunc('month', a.as_of_date) as timestamp) + interval 1 month",
            't', 'm'
        ) }}
),

last_order_at_month_end as (
    select m.month, m.month_end, d.customer_id, max(d.order_date) as last_order_date
    from months as m
    inner join customer_days as d on d.order_date <= m.month_end
    group by m.month, m.month_end, d.customer_id
),

status as (
    select
        month,
        count(*) filter (where {{ date_diff('day', 'last_order_date', 'month_end') }} <= {{ window }}) as active_customers,
        count(*) filter (where {{ date_diff('day', 'last_order_date', 'month_end') }} > {{ churn_days }}) as churned_customers
    from last_order_at_month_end
    group by month
),

in_month as (
    select
        cast(date_trunc('month', l.order_date) as date) as month,
        count(distinct l.customer_id) as buying_customers,
        count(distinct l.customer_id) filter (where f.first_month = cast(date_trunc('month', l.order_date) as date)) as new_customers,
        count(distinct l.source || chr(31) || l.order_id) as orders,
        -- to the cent: a float sum depends on the order of its rows, which an incremental build of the facts changes
        coalesce(round(sum(l.amount_reporting), 2), 0) as revenue
    from lines as l
    inner join firsts as f on f.customer_id = l.customer_id
    group by 1
)

select
    m.month,
    m.month_end,
    coalesce(i.buying_customers, 0) as buying_customers,
    coalesce(i.new_customers, 0) as new_customers,
    coalesce(i.buying_customers, 0) - coalesce(i.new_customers, 0) as returning_customers,
    coalesce(s.active_customers, 0) as active_customers,
    coalesce(s.churned_customers, 0) as churned_customers,
    coalesce(i.orders, 0) as orders,
    coalesce(i.revenue, 0) as revenue,
    {{ sql_literal(var('reporting_currency')) }} as reporting_currency
from months as m
left join in_month as i on i.month = m.month
left join status as s on s.month = m.month
