-- customer_id lifecycle events across linkage runs (rename + cast only).
select
    cast(run_id as varchar) as run_id,
    cast(customer_id as varchar) as customer_id,
    cast(event as varchar) as event,
    cast(related_ids as varchar) as related_ids,
    try_cast("at" as timestamp) as event_at
from {{ source('linkage', 'id_history') }}
