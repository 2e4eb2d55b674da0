-- Survey responses, latest delivery of each (source, response_id), with the linked customer_id
-- (macros/linked_rows.sql; fct_survey_responses renders the same SQL for the night's rows only).
{{ latest_rows_linked('stg_silver__survey_responses', ['source', 'response_id'], 'response_id') }}
