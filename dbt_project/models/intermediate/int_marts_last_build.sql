-- What the incremental marts were last built from besides the records (int_marts_built_records): the latest load
-- time of each silver entity, the project's fingerprint (macros/incremental_marts.sql) and the as-of date. One
-- row. Built after int_marts_built_records, itself built after every incremental model and the snapshot: when one
-- of them fails this stays at the previous build and the next night redoes it.
{{ config(materialized='table') }}
-- depends_on: {{ ref('int_marts_built_records') }}
select
    {%- for model in silver_staging_models() %}
    (select max(loaded_at) from {{ ref(model) }}) as {{ loaded_through_column(model) }},
    {%- endfor %}
    {{ marts_config_fingerprint() }} as config_fingerprint,
    (select as_of_date from {{ ref('int_as_of_date') }}) as as_of_date
