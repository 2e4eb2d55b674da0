-- One row per interaction per run (rename + cast only).
select
    cast(source as {{ string_type() }}) as source,
    cast(interaction_id as {{ string_type() }}) as interaction_id,
    cast(person_source_record_id as {{ string_type() }}) as person_source_record_id,
    cast(full_name as {{ string_type() }}) as full_name,
    {{ try_cast_timestamp('occurred_at_ts') }} as occurred_at,
    cast(channel as {{ string_type() }}) as channel,
    cast(direction as {{ string_type() }}) as direction,
    cast(interaction_type as {{ string_type() }}) as interaction_type,
    cast(subject as {{ string_type() }}) as subject,
    cast(notes as {{ string_type() }}) as notes,
    cast(status as {{ string_type() }}) as status,
    cast(agent as {{ string_type() }}) as agent,
    cast(product_category as {{ string_type() }}) as product_category,
    try_cast(duration_seconds_int as bigint) as duration_seconds,
    {{ silver_lineage_columns() }}
from {{ silver_rows(source('silver', 'interaction')) }}
