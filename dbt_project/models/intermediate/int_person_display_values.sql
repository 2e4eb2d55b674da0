-- The display values of every person record: names, company and places as the source wrote them (original
-- script and case), the latest non-empty value per field (macros/customer_attributes.sql).
{{ person_display_values() }}
