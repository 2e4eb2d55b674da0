-- Every candidate value of every golden-record field, one row per (customer, field, source record): the input of
-- survivorship (macros/customer_attributes.sql). int_customers_survived renders the same SQL for the night's
-- touched customers only on an incremental build.
{{ customer_attribute_candidates() }}
