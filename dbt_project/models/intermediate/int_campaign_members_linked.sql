-- Campaign memberships, latest delivery of each (source, campaign_id, person), with the linked customer_id
-- (macros/linked_rows.sql; fct_campaign_participation renders the same SQL for the night's rows only).
{{ latest_rows_linked('stg_silver__campaign_members', ['source', 'campaign_id', 'person_source_record_id'], 'campaign_id') }}
