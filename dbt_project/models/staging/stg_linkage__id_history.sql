-- customer_id lifecycle events across linkage runs (rename + cast; the event's time from UTC to wall-clock time).
select
    cast(run_id as {{ string_type() }}) as run_id,
    cast(customer_id as {{ string_type() }}) as customer_id,
    cast(event as {{ string_type() }}) as event,
    cast(related_ids as {{ string_type() }}) as related_ids,
    {{ utc_as_wall_clock(adapter.quote('at')) }} as event_at
from {{ source('linkage', 'id_history') }}
