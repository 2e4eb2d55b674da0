-- One row per survey answer sheet per run (rename + cast only).
select
    cast(source as varchar) as source,
    cast(response_id as varchar) as response_id,
    cast(person_source_record_id as varchar) as person_source_record_id,
    cast(full_name as varchar) as full_name,
    try_cast(submitted_at_ts as timestamp) as submitted_at,
    cast(survey_name as varchar) as survey_name,
    try_cast(nps_score_int as bigint) as nps_score,
    try_cast(csat_score_int as bigint) as csat_score,
    cast(comment as varchar) as comment,
    cast(feedback_type as varchar) as feedback_type,
    cast(channel as varchar) as channel,
    cast(product_category as varchar) as product_category,
    {{ silver_lineage_columns() }}
from {{ source('silver', 'survey_response') }}
