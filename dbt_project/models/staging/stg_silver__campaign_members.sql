-- One row per campaign membership per run (rename + cast only).
select
    cast(source as {{ string_type() }}) as source,
    cast(campaign_id as {{ string_type() }}) as campaign_id,
    cast(campaign_name as {{ string_type() }}) as campaign_name,
    cast(campaign_type as {{ string_type() }}) as campaign_type,
    cast(person_source_record_id as {{ string_type() }}) as person_source_record_id,
    cast(full_name as {{ string_type() }}) as full_name,
    cast(customer_ref as {{ string_type() }}) as customer_ref,
    cast(company as {{ string_type() }}) as company,
    {{ try_cast_timestamp('joined_at_ts') }} as joined_at,
    cast(member_status as {{ string_type() }}) as member_status,
    cast(interests as {{ string_type() }}) as interests,
    cast(channel as {{ string_type() }}) as channel,
    {{ silver_lineage_columns() }}
from {{ silver_rows(source('silver', 'campaign_member')) }}
