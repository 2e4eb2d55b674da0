-- Interactions, latest delivery of each (source, interaction_id), with the linked customer_id.
with rows_ as (
    select * from {{ ref('stg_silver__interactions') }}
    where interaction_id is not null
    {{ latest_per_key(['source', 'interaction_id']) }}
)
{{ select_linked('rows_') }}
