-- One row per enrichment record per run (rename + cast only).
select
    cast(source as varchar) as source,
    cast(source_record_id as varchar) as source_record_id,
    cast(coalesce(person_source_record_id, source_record_id) as varchar) as person_source_record_id,
    cast(industry as varchar) as industry,
    cast(income_band as varchar) as income_band,
    cast(interests as varchar) as interests,
    try_cast(updated_at_ts as timestamp) as updated_at,
    {{ silver_lineage_columns() }}
from {{ source('silver', 'enrichment') }}
