-- First/last dates of every kind of activity per customer, from the facts (built once, the latest delivery of
-- each row with its customer) and the CRM records' own dates.
-- (macros/customer_activity.sql; dim_customer renders the same SQL for the night's customers only)
{{ customer_activity() }}
