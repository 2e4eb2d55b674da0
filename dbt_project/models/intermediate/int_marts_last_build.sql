-- What the incremental marts were last built from: the customer of every record (with its match probability and
-- link time, which dim_customer and the crosswalk publish), the latest load time of each silver
-- entity and the project's fingerprint (macros/incremental_marts.sql). Built after every incremental model (the
-- depends_on lines), so when one of them fails this stays at the previous build and the next night redoes it.
{{ config(materialized='table') }}
-- depends_on: {{ ref('int_customers_survived') }}
-- depends_on: {{ ref('fct_orders') }}
-- depends_on: {{ ref('fct_interactions') }}
-- depends_on: {{ ref('fct_survey_responses') }}
-- depends_on: {{ ref('fct_campaign_participation') }}
-- depends_on: {{ ref('fct_feedback') }}
-- depends_on: {{ ref('mart_customer_profile') }}
-- depends_on: {{ ref('dim_customer') }}
-- depends_on: {{ ref('mart_source_row_crosswalk') }}
-- depends_on: {{ ref('bridge_customer_contact_points') }}
select
    source,
    source_record_id,
    customer_id,
    match_probability,
    linked_at,
    {%- for model in silver_staging_models() %}
    (select max(loaded_at) from {{ ref(model) }}) as {{ loaded_through_column(model) }},
    {%- endfor %}
    {{ marts_config_fingerprint() }} as config_fingerprint
from {{ ref('stg_linkage__customer_xref') }}
