-- customer_id lifecycle events across linkage runs (rename + cast only).
select
    cast(run_id as {{ string_type() }}) as run_id,
    cast(customer_id as {{ string_type() }}) as customer_id,
    cast(event as {{ string_type() }}) as event,
    cast(related_ids as {{ string_type() }}) as related_ids,
    {{ try_cast_timestamp(adapter.quote('at')) }} as event_at
from {{ source('linkage', 'id_history') }}
