{#- Fails on rows whose value lies outside [min_value, max_value] (either bound optional; NULLs pass). -#}
{% test value_between(model, column_name, min_value=none, max_value=none, inclusive=true) %}
select {{ column_name }} as failing_value
from {{ model }}
where {{ value_outside(column_name, min_value, max_value, inclusive) }}
{% endtest %}
