-- One row per interaction (call, email, chat, WeChat, visit).
{{ config(materialized=('table' if target.type == 'spark' else 'incremental'), incremental_strategy='delete+insert', unique_key='interaction_key',
          on_schema_change='append_new_columns', pre_hook="{{ delete_touched_rows(unlinked=true) }}",
          post_hook="{{ log_incremental_batch() }}") }}
{#- an incremental build reads the night's rows of the view, rendered here (macros/linked_rows.sql) -#}
{%- set night_rows = '(' ~ latest_rows_linked('stg_silver__interactions', ['source', 'interaction_id'], 'interaction_id', night=true) ~ ')' if is_incremental() or not execute else '' %}
-- depends_on: {{ ref('int_interactions_linked') }}
select
    {{ surrogate_key(['source', 'interaction_id']) }} as interaction_key,
    customer_id,
    source,
    interaction_id,
    person_source_record_id,
    occurred_at,
    cast(occurred_at as date) as interaction_date,
    coalesce({{ clean_category('channel') }}, 'unknown') as channel,
    {{ clean_category('direction') }} as direction,
    coalesce({{ feedback_kind('interaction_type') }}, 'unknown') as interaction_type,
    subject,
    notes,
    {{ clean_category('status') }} as status,
    coalesce({{ clean_category('status') }}, 'open') not in ('resolved', 'closed') as is_open,
    agent,
    coalesce({{ clean_category('product_category') }}, 'unknown') as product_category,
    duration_seconds,
    loaded_from_file,
    loaded_from_line
from {{ night_rows ~ ' as linked' if is_incremental() else ref('int_interactions_linked') }}
{{ touched_rows_filter() }}
