-- Order lines, latest delivery of each (source, order_id, line_no), with the linked customer_id.
with rows_ as (
    select * from {{ ref('stg_silver__orders') }}
    where order_id is not null
    {{ latest_per_key(['source', 'order_id', 'line_no']) }}
)
{{ select_linked('rows_') }}
