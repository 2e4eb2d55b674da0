-- One row per enrichment record per run (rename + cast only).
select
    cast(source as varchar) as source,
    cast(source_record_id as varchar) as source_record_id,
    cast(coalesce(person_source_record_id, source_record_id) as varchar) as person_source_record_id,
    cast(industry as varchar) as industry,
    cast(income_band as varchar) as income_band,
    cast(interests as varchar) as interests,
    try_cast(updated_at_ts as timestamp) as updated_at,
    cast(_file as varchar) as loaded_from_file,
    try_cast(_line as bigint) as loaded_from_line,
    try_cast(_loaded_at as timestamp) as loaded_at,
    try_cast(_run_date as date) as run_date
from {{ source('silver', 'enrichment') }}
