-- One row per order line per run (rename + cast only).
select
    cast(source as {{ string_type() }}) as source,
    cast(order_id as {{ string_type() }}) as order_id,
    try_cast(line_no_int as bigint) as line_no,
    cast(person_source_record_id as {{ string_type() }}) as person_source_record_id,
    cast(full_name as {{ string_type() }}) as full_name,
    cast(customer_ref as {{ string_type() }}) as customer_ref,
    {{ try_cast_timestamp('order_date_ts') }} as ordered_at,
    cast(product_id as {{ string_type() }}) as product_id,
    cast(product_name as {{ string_type() }}) as product_name,
    cast(product_category as {{ string_type() }}) as product_category,
    try_cast(quantity_num as double) as quantity,
    try_cast(unit_price_num as double) as unit_price,
    try_cast(amount_num as double) as amount,
    cast(currency as {{ string_type() }}) as currency,
    cast(payment_method as {{ string_type() }}) as payment_method,
    cast(channel as {{ string_type() }}) as channel,
    cast(status as {{ string_type() }}) as status,
    cast(store as {{ string_type() }}) as store,
    {{ silver_lineage_columns() }}
from {{ silver_rows(source('silver', 'order')) }}
