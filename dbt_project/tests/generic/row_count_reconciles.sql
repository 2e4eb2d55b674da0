{#- Row-count reconciliation: the model (optionally filtered) has exactly as many rows, or distinct
    values of `compare_column`, as `compare_model` (optionally filtered). Fails with both counts. -#}
{% test row_count_reconciles(model, compare_model, model_filter=none, compare_filter=none, compare_column=none) %}
with actual as (
    select count(*) as n from {{ model }} {% if model_filter %}where {{ model_filter }}{% endif %}
),
expected as (
    select count({% if compare_column %}distinct {{ compare_column }}{% else %}*{% endif %}) as n
    from {{ compare_model }} {% if compare_filter %}where {{ compare_filter }}{% endif %}
)
select actual.n as actual_rows, expected.n as expected_rows
from actual cross join expected
where actual.n <> expected.n
{% endtest %}
