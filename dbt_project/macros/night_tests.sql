{#- The data tests of a night: on an incremental build, the row tests (not_null, unique, accepted_values,
    relationships, value_between, unique_combination, column_rules) of an incremental model check only the rows that night
    rebuilt — the touched customers' and the rows linked to no customer (macros/incremental_marts.sql) —, since
    the others are the rows the previous build tested. Row-count reconciliations (row_count_reconciles) still
    count every row, so a lost or doubled row anywhere fails the night; a first build, a changed project (every
    customer touched) and `--full-refresh` test every row. A view's test may leave the night to a fact's
    (night_checker below). dbt calls get_where_subquery for the model a generic
    test reads; this override adds the night's rows to the test's own `where`. -#}
{% macro default__get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}{%- do conditions.append('(' ~ where ~ ')') -%}{%- endif -%}
    {%- set night = night_rows_condition() -%}
    {%- if night -%}{%- do conditions.append(night) -%}{%- endif -%}
    {%- set checker = night_checker() -%}
    {%- if checker -%}
        {%- do log('night: ' ~ model.name ~ ' left to ' ~ checker ~ ' (its rows of the night)') -%}
        {%- do conditions.append('false') -%}
    {%- endif -%}
    {%- if conditions -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ conditions | join(' and ') ~ ') dbt_subquery') -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}

{#- The tests whose rows are all of one customer: a night may check only the rows it rebuilt. -#}
{% macro night_row_tests() -%}
    {{- return(['not_null', 'unique', 'accepted_values', 'relationships', 'value_between', 'unique_combination',
                 'column_rules']) -}}
{%- endmacro %}

{#- `customer_id is null or customer_id in (<touched>)` for a row test of an incremental model on an
    incremental build; empty otherwise (the test reads every row). -#}
{% macro night_rows_condition() -%}
    {%- if not execute or flags.FULL_REFRESH or model.resource_type != 'test' -%}{{ return('') }}{%- endif -%}
    {%- set test_name = (model.test_metadata or {}).get('name') -%}
    {%- set tested = graph.nodes.get(model.attached_node or '') -%}
    {%- if test_name not in night_row_tests() or tested is none
            or tested.config.materialized != 'incremental' -%}{{ return('') }}{%- endif -%}
    {%- set touched_node = graph.nodes.get('model.' ~ project_name ~ '.int_customers_touched') -%}
    {%- set touched = adapter.get_relation(database=touched_node.database, schema=touched_node.schema,
                                           identifier=touched_node.alias) -%}
    {%- if touched is none -%}{{ return('') }}{%- endif -%}
    {{- return('(customer_id is null or customer_id in (select customer_id from ' ~ touched ~ '))') -}}
{%- endmacro %}

{#- A test of a view that recomputes every delivered row (the int_*_linked views) can name, in its meta
    `night_checked_by`, the test of the fact built from that view that checks the same thing on the rows the build
    rebuilt (a fact's row key is a hash of the view's key: unique on the fact's rows = unique on the view's). When
    that test runs in the same build, and the build is no --full-refresh, the view's test reads no row (`false`:
    DuckDB then skips the view's windows over every silver row, ~5 s of a 1% night at 150k customers);
    --full-refresh and a build without the fact's test (`dbt test --select` the view) check every row. Returns
    the checking test's name, or ''. -#}
{% macro night_checker() -%}
    {%- if not execute or flags.FULL_REFRESH or model.resource_type != 'test' -%}{{ return('') }}{%- endif -%}
    {%- set name = (model.config.meta or {}).get('night_checked_by') -%}
    {%- if not name -%}{{ return('') }}{%- endif -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'test' and node.name == name -%}
        {%- if node.unique_id in selected_resources -%}{{ return(name) }}{%- endif -%}
    {%- endfor -%}
    {{- return('') -}}
{%- endmacro %}
