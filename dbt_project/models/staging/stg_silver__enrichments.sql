-- One row per enrichment record per run (rename + cast only).
select
    cast(source as varchar) as source,
    cast(source_record_id as varchar) as source_record_id,
    cast(coalesce(person_source_record_id, source_record_id) as varchar) as person_source_record_id,
    cast(full_name as varchar) as full_name,
    cast(country as varchar) as country,
    cast(province as varchar) as province,
    cast(city as varchar) as city,
    cast(company as varchar) as company,
    cast(title as varchar) as title,
    cast(industry as varchar) as industry,
    cast(income_band as varchar) as income_band,
    cast(interests as varchar) as interests,
    try_cast(updated_at_ts as timestamp) as updated_at,
    {{ silver_lineage_columns() }}
from {{ source('silver', 'enrichment') }}
