-- One row per campaign membership per run (rename + cast only).
select
    cast(source as varchar) as source,
    cast(campaign_id as varchar) as campaign_id,
    cast(campaign_name as varchar) as campaign_name,
    cast(campaign_type as varchar) as campaign_type,
    cast(person_source_record_id as varchar) as person_source_record_id,
    cast(full_name as varchar) as full_name,
    cast(customer_ref as varchar) as customer_ref,
    cast(company as varchar) as company,
    try_cast(joined_at_ts as timestamp) as joined_at,
    cast(member_status as varchar) as member_status,
    cast(interests as varchar) as interests,
    cast(channel as varchar) as channel,
    {{ silver_lineage_columns() }}
from {{ source('silver', 'campaign_member') }}
