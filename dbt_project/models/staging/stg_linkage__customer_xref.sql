-- Source record -> customer_id, from the latest linkage run (rename + cast only).
select
    cast(source as {{ string_type() }}) as source,
    cast(source_record_id as {{ string_type() }}) as source_record_id,
    cast(customer_id as {{ string_type() }}) as customer_id,
    try_cast(cluster_size as bigint) as cluster_size,
    try_cast(match_probability as double) as match_probability,
    {{ try_cast_timestamp('linked_at') }} as linked_at
from {{ source('linkage', 'customer_xref') }}
