{#- The column rules of a model in one query: every not_null, unique, accepted_values and value_between test declared
    on its columns (the yml, as dbt documents them) with this test's severity. A night runs this one node per model
    and severity instead of one per column and rule (dbt spends ~0.1 s per node before its query); the per-column
    tests stay declared, for the docs and a by-hand `dbt test --select <test>`, and the builds leave them out
    (selectors.yml). Fails with one row per broken rule: the column, the rule and how many rows break it;
    `failures` (Dagster's failed_row_count) is the sum of those rows. -#}
{% test column_rules(model, severity='error') %}
{{ config(severity=severity, fail_calc='coalesce(sum(failing_rows), 0)') }}
{%- set rules = column_rules_of_this_test() -%}
with checked as (
    select
    {%- for rule in rules %}
        {{ rule.failing }} as failing_{{ loop.index }}{{ "," if not loop.last }}
    {%- endfor %}
    from {{ model }}
)
{%- for rule in rules %}
select {{ sql_literal(rule.column) }} as column_name, {{ sql_literal(rule.rule) }} as rule,
       failing_{{ loop.index }} as failing_rows
from checked where failing_{{ loop.index }} > 0
{{ "union all" if not loop.last }}
{%- endfor %}
{% endtest %}
