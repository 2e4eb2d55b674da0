-- Campaign memberships, latest delivery of each (source, campaign_id, person), with the linked customer_id.
with rows_ as (
    select * from {{ ref('stg_silver__campaign_members') }}
    where campaign_id is not null
    {{ latest_per_key(['source', 'campaign_id', 'person_source_record_id']) }}
)
{{ select_linked('rows_') }}
