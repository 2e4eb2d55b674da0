-- One row per survey answer sheet per run (rename + cast only).
select
    cast(source as {{ string_type() }}) as source,
    cast(response_id as {{ string_type() }}) as response_id,
    cast(person_source_record_id as {{ string_type() }}) as person_source_record_id,
    cast(full_name as {{ string_type() }}) as full_name,
    {{ try_cast_timestamp('submitted_at_ts') }} as submitted_at,
    cast(survey_name as {{ string_type() }}) as survey_name,
    try_cast(nps_score_int as bigint) as nps_score,
    try_cast(csat_score_int as bigint) as csat_score,
    cast(comment as {{ string_type() }}) as comment,
    cast(feedback_type as {{ string_type() }}) as feedback_type,
    cast(channel as {{ string_type() }}) as channel,
    cast(product_category as {{ string_type() }}) as product_category,
    {{ silver_lineage_columns() }}
from {{ silver_rows(source('silver', 'survey_response')) }}
