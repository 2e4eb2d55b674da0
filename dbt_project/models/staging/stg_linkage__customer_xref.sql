-- Source record -> customer_id, from the latest linkage run (rename + cast; linked_at from UTC to wall-clock time).
select
    cast(source as {{ string_type() }}) as source,
    cast(source_record_id as {{ string_type() }}) as source_record_id,
    cast(customer_id as {{ string_type() }}) as customer_id,
    try_cast(cluster_size as bigint) as cluster_size,
    try_cast(match_probability as double) as match_probability,
    {{ utc_as_wall_clock('linked_at') }} as linked_at
from {{ source('linkage', 'customer_xref') }}
