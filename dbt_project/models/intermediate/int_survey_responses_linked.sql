-- Survey responses, latest delivery of each (source, response_id), with the linked customer_id.
with rows_ as (
    select * from {{ ref('stg_silver__survey_responses') }}
    where response_id is not null
    {{ latest_per_key(['source', 'response_id']) }}
)
{{ select_linked('rows_') }}
