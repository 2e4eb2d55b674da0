-- Order lines, latest delivery of each (source, order_id, line_no), with the linked customer_id
-- (macros/linked_rows.sql; fct_orders renders the same SQL for the night's rows only).
{{ orders_linked() }}
