-- The customers whose rows tonight's incremental marts rebuild (macros/incremental_marts.sql), one row each:
--   * both customers of every record that is new, moved (merge, split), re-scored (its match probability or link
--     time changed: a full re-link) or gone (erasure) since the last build (int_records_moved);
--   * the customer of every person with a silver row loaded since the last build, and of every earlier version
--     of a re-delivered order, response or interaction (its customer_ref may have changed);
--   * every customer when there is no last build or the project, its seeds or vars changed since.
{{ config(materialized='table') }}
-- depends_on: {{ ref('int_records_moved') }}
{%- for model in silver_staging_models() %}
-- depends_on: {{ ref(model) }}
{%- endfor %}
{%- set last = marts_last_build_relation() %}
{%- set redelivered = [
    ('stg_silver__orders', ['order_id']),
    ('stg_silver__survey_responses', ['response_id']),
    ('stg_silver__interactions', ['interaction_id']),
] %}
with current_xref as (
    select source, source_record_id, customer_id
    from {{ ref('stg_linkage__customer_xref') }}
    where customer_id is not null
),

{%- if last is none %}

touched as (
    select customer_id from current_xref
)

{%- else %}

build_state as (
    select
        {%- for model in silver_staging_models() %}
        max({{ loaded_through_column(model) }}) as {{ loaded_through_column(model) }},
        {%- endfor %}
        max(config_fingerprint) as fingerprint
    from {{ last }}
),

{%- for model, key in redelivered %}

{{ model }}_new as materialized (
    -- its rows loaded since the last build (a NULL load time counts as new)
    select r.source, r.person_source_record_id{% for k in key %}, r.{{ k }}{% endfor %}
    from {{ ref(model) }} as r, build_state as b
    where r.loaded_at is null or b.{{ loaded_through_column(model) }} is null
        or r.loaded_at > b.{{ loaded_through_column(model) }}
),
{%- endfor %}

delivered as (
    -- persons with a row loaded since the last build (a NULL load time counts as new)
    {%- for model in silver_staging_models() if model not in redelivered | map('first') %}
    select r.source, r.{{ 'source_record_id' if model == 'stg_silver__persons' else 'person_source_record_id' }} as source_record_id
    from {{ ref(model) }} as r, build_state as b
    where r.loaded_at is null or b.{{ loaded_through_column(model) }} is null
        or r.loaded_at > b.{{ loaded_through_column(model) }}
    union all
    {%- endfor %}
    {%- for model, key in redelivered %}
    -- every version of a re-delivered {{ model }} key (the new rows among them), and the new rows without a key
    select r.source, r.person_source_record_id
    from {{ ref(model) }} as r
    where (r.source{% for k in key %}, r.{{ k }}{% endfor %}) in (
        select source{% for k in key %}, {{ k }}{% endfor %} from {{ model }}_new)
    union all
    select source, person_source_record_id from {{ model }}_new
    where {% for k in key %}{{ k }} is null{{ " or " if not loop.last }}{% endfor %}
    {{ "union all" if not loop.last }}
    {%- endfor %}
),

touched as (
    select new_id as customer_id from {{ ref('int_records_moved') }} where new_id is not null
    union all
    select old_id from {{ ref('int_records_moved') }} where old_id is not null
    union all
    select x.customer_id
    from current_xref as x
    semi join delivered as d on d.source = x.source and d.source_record_id = x.source_record_id
    union all
    select x.customer_id
    from current_xref as x, build_state as b
    where b.fingerprint is distinct from {{ marts_config_fingerprint() }}
)

{%- endif %}

select distinct customer_id from touched
