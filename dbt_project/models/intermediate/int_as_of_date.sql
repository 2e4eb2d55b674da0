-- The single "today" every recency, lifecycle and churn figure is computed against:
-- var('as_of_date') when set, else the latest event date in the data that is not in the future
-- (a mistyped 2099 order must not age every customer), else current_date.
-- A table of one row: computed once from the silver zone, read by the marts and their tests.
{{ config(materialized='table') }}
{%- set pinned = var('as_of_date') %}
{%- if pinned %}
select cast({{ sql_literal(pinned) }} as date) as as_of_date
{%- else %}
with events as (
    select cast(ordered_at as date) as d from {{ ref('stg_silver__orders') }}
    union all select cast(occurred_at as date) from {{ ref('stg_silver__interactions') }}
    union all select cast(submitted_at as date) from {{ ref('stg_silver__survey_responses') }}
    union all select cast(joined_at as date) from {{ ref('stg_silver__campaign_members') }}
)
select coalesce(max(d) filter (where d <= current_date), current_date) as as_of_date from events
{%- endif %}
