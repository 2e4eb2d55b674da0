-- Complaints and suggestions, from survey answers and from interactions. A complaint is open until
-- its interaction is resolved/closed; survey complaints carry no workflow status and count as open.
{{ config(materialized=('table' if target.type == 'spark' else 'incremental'), incremental_strategy='delete+insert', unique_key='feedback_key',
          on_schema_change='append_new_columns', pre_hook="{{ delete_touched_rows(unlinked=true) }}",
          post_hook="{{ log_incremental_batch() }}") }}
select
    {{ surrogate_key(["'survey'", 'response_key']) }} as feedback_key,
    customer_id,
    'survey' as origin,
    source,
    response_id as origin_id,
    submitted_at as reported_at,
    feedback_type,
    comment as feedback_text,
    channel,
    product_category,
    cast(null as {{ string_type() }}) as status,
    true as is_open
from {{ ref('fct_survey_responses') }}
where feedback_type in ('complaint', 'suggestion')
{{ touched_rows_filter(keyword='and') }}
union all
select
    {{ surrogate_key(["'interaction'", 'interaction_key']) }},
    customer_id,
    'interaction',
    source,
    interaction_id,
    occurred_at,
    interaction_type,
    coalesce(notes, subject),
    channel,
    product_category,
    status,
    is_open
from {{ ref('fct_interactions') }}
where interaction_type in ('complaint', 'suggestion')
{{ touched_rows_filter(keyword='and') }}
