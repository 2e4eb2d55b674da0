-- One row per order line, amounts normalised to var('reporting_currency') with seeds/currency_rates.csv
-- (the rate valid on the order date; the earliest known rate for orders before it).
-- amount_reporting is NULL when the currency has no rate (tested: warn).
{{ config(materialized=('table' if target.type == 'spark' else 'incremental'), incremental_strategy='delete+insert', unique_key='order_line_id',
          on_schema_change='append_new_columns', pre_hook="{{ delete_touched_rows(unlinked=true) }}",
          post_hook="{{ log_incremental_batch() }}") }}
{#- an incremental build reads the night's rows of the view, rendered here (macros/linked_rows.sql) -#}
{%- set night_rows = '(' ~ orders_linked(night=true) ~ ')' if is_incremental() or not execute else '' %}
-- depends_on: {{ ref('int_orders_linked') }}
with lines as (
    select
        o.*,
        coalesce(alias.currency_code, upper({{ clean_text('o.currency') }}), {{ sql_literal(var('default_currency')) }}) as currency_code
    from {{ night_rows if is_incremental() else ref('int_orders_linked') }} as o
    left join {{ ref('currency_aliases') }} as alias on alias.alias = upper({{ clean_text('o.currency') }})
    {{ touched_rows_filter('o.customer_id') }}
),

rates as (
    select
        upper(currency_code) as currency_code,
        valid_from,
        lead(valid_from) over (partition by upper(currency_code) order by valid_from) as valid_to,
        row_number() over (partition by upper(currency_code) order by valid_from) = 1 as is_earliest,
        cny_per_unit
    from {{ ref('currency_rates') }}
),

reporting as (
    select cny_per_unit from rates where currency_code = upper({{ sql_literal(var('reporting_currency')) }})
    qualify row_number() over (order by valid_from desc) = 1
)

select
    {{ surrogate_key(['l.source', 'l.order_id', 'l.line_no']) }} as order_line_id,
    l.customer_id,
    l.source,
    l.order_id,
    l.line_no,
    l.person_source_record_id,
    l.ordered_at,
    cast(l.ordered_at as date) as order_date,
    {{ clean_text('l.product_id') }} as product_id,
    {{ clean_text('l.product_name') }} as product_name,
    coalesce({{ clean_category('l.product_category') }}, 'unknown') as product_category,
    l.quantity,
    l.unit_price,
    l.amount,
    l.currency_code,
    r.cny_per_unit / rep.cny_per_unit as fx_rate,
    round(l.amount * r.cny_per_unit / rep.cny_per_unit, 2) as amount_reporting,
    {{ sql_literal(var('reporting_currency')) }} as reporting_currency,
    coalesce({{ clean_category('l.payment_method') }}, 'unknown') as payment_method,
    coalesce({{ clean_category('l.channel') }}, 'unknown') as channel,
    coalesce({{ clean_category('l.status') }}, 'completed') as status,
    coalesce({{ clean_category('l.status') }}, 'completed') not in {{ sql_literal_list(var('non_revenue_order_statuses')) }} as is_revenue,
    {{ clean_text('l.store') }} as store,
    l.loaded_from_file,
    l.loaded_from_line
from lines as l
left join rates as r
    on r.currency_code = l.currency_code
    and (cast(l.ordered_at as date) >= r.valid_from or r.is_earliest)
    and (r.valid_to is null or cast(l.ordered_at as date) < r.valid_to)
left join reporting as rep on true
