-- One row per order line per run (rename + cast only).
select
    cast(source as varchar) as source,
    cast(order_id as varchar) as order_id,
    try_cast(line_no_int as bigint) as line_no,
    cast(person_source_record_id as varchar) as person_source_record_id,
    cast(full_name as varchar) as full_name,
    cast(customer_ref as varchar) as customer_ref,
    try_cast(order_date_ts as timestamp) as ordered_at,
    cast(product_id as varchar) as product_id,
    cast(product_name as varchar) as product_name,
    cast(product_category as varchar) as product_category,
    try_cast(quantity_num as double) as quantity,
    try_cast(unit_price_num as double) as unit_price,
    try_cast(amount_num as double) as amount,
    cast(currency as varchar) as currency,
    cast(payment_method as varchar) as payment_method,
    cast(channel as varchar) as channel,
    cast(status as varchar) as status,
    cast(store as varchar) as store,
    {{ silver_lineage_columns() }}
from {{ source('silver', 'order') }}
