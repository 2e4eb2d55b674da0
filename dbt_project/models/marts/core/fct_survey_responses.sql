-- One row per survey answer sheet. Scores outside their scale (NPS 0-10, CSAT 1-5) become NULL.
{{ config(materialized=('table' if target.type == 'spark' else 'incremental'), incremental_strategy='delete+insert', unique_key='response_key',
          on_schema_change='append_new_columns', pre_hook="{{ delete_touched_rows(unlinked=true) }}",
          post_hook="{{ log_incremental_batch() }}") }}
{#- an incremental build reads the night's rows of the view, rendered here (macros/linked_rows.sql) -#}
{%- set night_rows = '(' ~ latest_rows_linked('stg_silver__survey_responses', ['source', 'response_id'], 'response_id', night=true) ~ ')' if is_incremental() or not execute else '' %}
-- depends_on: {{ ref('int_survey_responses_linked') }}
with responses as (
    select
        *,
        case when nps_score between 0 and 10 then nps_score end as nps,
        case when csat_score between 1 and 5 then csat_score end as csat
    from {{ night_rows ~ ' as linked' if is_incremental() else ref('int_survey_responses_linked') }}
    {{ touched_rows_filter() }}
)

select
    {{ surrogate_key(['source', 'response_id']) }} as response_key,
    customer_id,
    source,
    response_id,
    person_source_record_id,
    submitted_at,
    cast(submitted_at as date) as response_date,
    survey_name,
    nps as nps_score,
    case when nps >= 9 then 'promoter' when nps >= 7 then 'passive' when nps >= 0 then 'detractor' end as nps_category,
    csat as csat_score,
    csat >= 4 as is_csat_satisfied,
    comment,
    coalesce({{ feedback_kind('feedback_type') }}, 'none') as feedback_type,
    coalesce({{ clean_category('channel') }}, 'unknown') as channel,
    coalesce({{ clean_category('product_category') }}, 'unknown') as product_category,
    loaded_from_file,
    loaded_from_line
from responses
