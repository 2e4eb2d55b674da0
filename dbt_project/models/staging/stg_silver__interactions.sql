-- One row per interaction per run (rename + cast only).
select
    cast(source as varchar) as source,
    cast(interaction_id as varchar) as interaction_id,
    cast(person_source_record_id as varchar) as person_source_record_id,
    cast(full_name as varchar) as full_name,
    try_cast(occurred_at_ts as timestamp) as occurred_at,
    cast(channel as varchar) as channel,
    cast(direction as varchar) as direction,
    cast(interaction_type as varchar) as interaction_type,
    cast(subject as varchar) as subject,
    cast(notes as varchar) as notes,
    cast(status as varchar) as status,
    cast(agent as varchar) as agent,
    cast(product_category as varchar) as product_category,
    try_cast(duration_seconds_int as bigint) as duration_seconds,
    {{ silver_lineage_columns() }}
from {{ source('silver', 'interaction') }}
