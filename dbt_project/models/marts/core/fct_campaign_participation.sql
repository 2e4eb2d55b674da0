-- One row per person per campaign (promotions, exhibitions, seminars, webinars, email campaigns).
{{ config(materialized=('table' if target.type == 'spark' else 'incremental'), incremental_strategy='delete+insert', unique_key='participation_key',
          on_schema_change='append_new_columns', pre_hook="{{ delete_touched_rows(unlinked=true) }}",
          post_hook="{{ log_incremental_batch() }}") }}
{#- an incremental build reads the night's rows of the view, rendered here (macros/linked_rows.sql) -#}
{%- set night_rows = '(' ~ latest_rows_linked('stg_silver__campaign_members', ['source', 'campaign_id', 'person_source_record_id'], 'campaign_id', night=true) ~ ')' if is_incremental() or not execute else '' %}
-- depends_on: {{ ref('int_campaign_members_linked') }}
select
    {{ surrogate_key(['source', 'campaign_id', 'person_source_record_id']) }} as participation_key,
    customer_id,
    source,
    campaign_id,
    campaign_name,
    coalesce({{ clean_category('campaign_type') }}, 'unknown') as campaign_type,
    person_source_record_id,
    joined_at,
    cast(joined_at as date) as joined_date,
    coalesce({{ clean_category('member_status') }}, 'unknown') as member_status,
    coalesce({{ clean_category('member_status') }}, '') in ('attended', 'responded', 'converted') as has_attended,
    {{ clean_text('interests') }} as interests,
    coalesce({{ clean_category('channel') }}, 'unknown') as channel,
    loaded_from_file,
    loaded_from_line
from {{ night_rows ~ ' as linked' if is_incremental() else ref('int_campaign_members_linked') }}
{{ touched_rows_filter() }}
