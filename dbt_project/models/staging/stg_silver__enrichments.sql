-- One row per enrichment record per run (rename + cast only).
select
    cast(source as {{ string_type() }}) as source,
    cast(source_record_id as {{ string_type() }}) as source_record_id,
    cast(coalesce(person_source_record_id, source_record_id) as {{ string_type() }}) as person_source_record_id,
    cast(full_name as {{ string_type() }}) as full_name,
    cast(country as {{ string_type() }}) as country,
    cast(province as {{ string_type() }}) as province,
    cast(city as {{ string_type() }}) as city,
    cast(company as {{ string_type() }}) as company,
    cast(title as {{ string_type() }}) as title,
    cast(industry as {{ string_type() }}) as industry,
    cast(income_band as {{ string_type() }}) as income_band,
    cast(interests as {{ string_type() }}) as interests,
    {{ try_cast_timestamp('updated_at_ts') }} as updated_at,
    {{ silver_lineage_columns() }}
from {{ silver_rows(source('silver', 'enrichment')) }}
