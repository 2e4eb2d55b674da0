-- Interactions, latest delivery of each (source, interaction_id), with the linked customer_id
-- (macros/linked_rows.sql; fct_interactions renders the same SQL for the night's rows only).
{{ latest_rows_linked('stg_silver__interactions', ['source', 'interaction_id'], 'interaction_id') }}
