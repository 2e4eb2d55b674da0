-- What the incremental marts were last built from: the customer of every record, the latest silver load time
-- and the project's fingerprint (macros/incremental_marts.sql). Built after every incremental model (the
-- depends_on lines), so when one of them fails this stays at the previous build and the next night redoes it.
{{ config(materialized='table') }}
-- depends_on: {{ ref('int_customers_survived') }}
-- depends_on: {{ ref('fct_orders') }}
-- depends_on: {{ ref('fct_interactions') }}
-- depends_on: {{ ref('fct_survey_responses') }}
-- depends_on: {{ ref('fct_campaign_participation') }}
-- depends_on: {{ ref('fct_feedback') }}
-- depends_on: {{ ref('mart_customer_profile') }}
select
    source,
    source_record_id,
    customer_id,
    {{ silver_loaded_through() }} as silver_loaded_through,
    {{ marts_config_fingerprint() }} as config_fingerprint
from {{ ref('stg_linkage__customer_xref') }}
