{#- The snapshot's staging table, built from the keys that can have changed only.

    dbt compares every source row with every current snapshot row, carrying all their columns through three joins
    (insertions, updates, deletions): at 150,000 customers the largest step of a night that touched 5% of them.
    Here one narrow join finds the keys whose check columns differ (null-safe, as dbt's check strategy compares
    them), that are new, gone, or whose current version is a deletion record; dbt's own staging logic then runs on
    those keys' rows only, on both sides. Every other key would yield no insert, update or deletion record, so the
    staging table — and the snapshot — is the same as dbt's. Used for the `check` strategy with a list of
    check_cols and a single unique key on DuckDB; anything else (and Spark, where the build leaves the snapshot
    out) takes dbt's own path, as does `--vars '{snapshot_changed_keys_only: false}'`. Overrides dbt-duckdb's
    build_snapshot_staging_table (root project macros come first). With meta.compare_touched_customers_only the
    narrow join itself reads only the night's touched customers when no other dim_customer row was rewritten
    (snapshot_touched_keys(), macros/incremental_marts.sql).
-#}
{% macro build_snapshot_staging_table(strategy, sql, target_relation) %}
    {%- set check_cols = config.get('check_cols') -%}
    {%- set unique_key = config.get('unique_key') -%}
    {%- if target.type != 'duckdb' -%}
        {{ return(dbt.build_snapshot_staging_table(strategy, sql, target_relation)) }}
    {%- elif config.get('strategy') != 'check' or check_cols is string or unique_key is not string
            or config.get('dbt_valid_to_current') or not var('snapshot_changed_keys_only', true) -%}
        {{ return(duckdb_snapshot_staging_table(strategy, sql, target_relation, target_relation)) }}
    {%- endif -%}
    {%- set columns = config.get('snapshot_table_column_names') or get_snapshot_table_column_names() -%}
    {#- meta.compare_touched_customers_only: only the night's touched customers can have changed -#}
    {%- set touched = snapshot_touched_keys() if (config.get('meta') or {}).get('compare_touched_customers_only') -%}
    {%- set compared = unique_key ~ ' in (' ~ touched ~ ')' if touched else 'true' -%}
    {%- set keys = api.Relation.create(identifier=target_relation.identifier ~ '__changed_keys', type='table') -%}
    {%- set in_scope = api.Relation.create(identifier=target_relation.identifier ~ '__in_scope', type='view') -%}
    {% call statement('snapshot_changed_keys') %}
        create or replace temp table {{ keys }} as
        select coalesce(source_data.{{ unique_key }}, snapshotted_data.{{ unique_key }}) as dbt_changed_key
        from (
            select {{ unique_key }}, {{ check_cols | join(', ') }}
                {%- if strategy.hard_deletes == 'new_record' %}, {{ columns.dbt_is_deleted }}{% endif %}
            from {{ target_relation }}
            where {{ columns.dbt_valid_to }} is null and {{ compared }}
        ) as snapshotted_data
        full join (
            select {{ unique_key }}, {{ check_cols | join(', ') }} from ({{ sql }}) as snapshot_query where {{ compared }}
        ) as source_data
            on source_data.{{ unique_key }} = snapshotted_data.{{ unique_key }}
        where source_data.{{ unique_key }} is null or snapshotted_data.{{ unique_key }} is null
            {%- if strategy.hard_deletes == 'new_record' %}
            or snapshotted_data.{{ columns.dbt_is_deleted }} = 'True'
            {%- endif %}
            {%- for column in check_cols %}
            or source_data.{{ column }} is distinct from snapshotted_data.{{ column }}
            {%- endfor %}
    {% endcall %}
    {% call statement('snapshot_in_scope') %}
        create or replace temp view {{ in_scope }} as
        select * from {{ target_relation }} where {{ unique_key }} in (select dbt_changed_key from {{ keys }})
    {% endcall %}
    {%- set in_scope_sql -%}
        select * from ({{ sql }}) as snapshot_source
        where {{ unique_key }} in (select dbt_changed_key from {{ keys }})
    {%- endset -%}
    {%- set found = run_query('select count(*) from ' ~ keys).columns[0].values()[0] -%}
    {%- do log('snapshot in scope: ' ~ target_relation.identifier ~ ' ' ~ found ~ ' changed keys'
        ~ (' of the touched customers' if touched else ''), info=True) -%}
    {{ return(duckdb_snapshot_staging_table(strategy, in_scope_sql, target_relation, in_scope)) }}
{% endmacro %}

{#- dbt-duckdb's build_snapshot_staging_table (which the macro above overrides), with the relation it compares
    with as an argument: the staging table is named after the snapshot, the comparison reads `compared_relation`. -#}
{% macro duckdb_snapshot_staging_table(strategy, sql, target_relation, compared_relation) %}
    {% set temporary_relation = duckdb__dispatch_temporary_relation(target_relation) %}
    {% set temp_relation = temporary_relation.relation %}
    {% set select = snapshot_staging_table(strategy, sql, compared_relation) %}
    {% call statement('build_snapshot_staging_relation') %}
        {{ create_table_as(temporary_relation.temporary, temp_relation, select) }}
    {% endcall %}
    {% do return(temp_relation) %}
{% endmacro %}
