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

last_orders as (
    -- each order day of a customer is their last order from that day until the day before their next one
    select customer_id, order_date,
        lead(order_date) over (partition by customer_id order by order_date) as next_order_date
    from customer_days
),

spans as (
    -- the days a customer counts as active (last order at most {{ window }} days before) or churned (more than
    -- {{ churn_days }}), from one order day to the next; to_date NULL: open-ended
    select 'active' as status, order_date as from_date,
        case when next_order_date is null or {{ date_diff('day', 'order_date', 'next_order_date') }} > {{ window }}
            then cast({{ minus_days('order_date', -window) }} as date)
            else cast({{ minus_days('next_order_date', 1) }} as date) end as to_date
    from last_orders
    union all
    select 'churned', cast({{ minus_days('order_date', -(churn_days + 1)) }} as date),
        cast({{ minus_days('next_order_date', 1) }} as date)
    from last_orders
    where next_order_date is null or {{ date_diff('day', 'order_date', 'next_order_date') }} > {{ churn_days + 1 }}
),

span_months as (
    -- the months whose end falls in a span: from the month of its first day to before the month of the day after
    -- its last (through the as-of month when it lasts to the as-of date)
    select s.status,
        cast(date_trunc('month', s.from_date) as date) as first_month,
        case when s.to_date < a.as_of_date
            then cast(date_trunc('month', {{ minus_days('s.to_date', -1) }}) as date) end as stop_month
    from spans as s
    cross join as_of as a
    where s.from_date <= a.as_of_date
),

status_changes as (
    -- +1 from a span's first month, -1 from its stop month: a month's count is the sum up to it
    select status, month, sum(change) as change
    from (
        select status, first_month as month, 1 as change from span_months
        where stop_month is null or stop_month > first_month
        union all
        select status, stop_month, -1 from span_months
        where stop_month > first_month
    ) as changes
    group by status, month
),

status as (
    select
        m.month,
        cast(coalesce(sum(c.change) filter (where c.status = 'active'), 0) as bigint) as active_customers,
        cast(coalesce(sum(c.change) filter (where c.status = 'churned'), 0) as bigint) as churned_customers
    from months as m
    inner join status_changes as c on c.month <= m.month
    group by m.month
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
