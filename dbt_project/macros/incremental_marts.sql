{#- Incremental marts: a night rebuilds only the rows of the customers it touched.

    int_customers_touched lists them (records new, moved or gone since the last build, customers of the silver
    rows delivered since, everyone when the project or its vars changed); each incremental model deletes those
    customers' rows (pre_hook) and inserts them again from the current data, keyed on its own row key
    (delete+insert), in one transaction. int_marts_built_records (the records' customers) and int_marts_last_build
    (load times, fingerprint, as-of date) record what the marts were built from; they are built after every
    incremental model and the snapshot, so a night that fails half way is redone whole by the next one.
    On Spark they are tables rebuilt whole: delete+insert needs row-level deletes, which dbt-spark offers only on
    Delta/Iceberg tables (`target.type == 'spark'` in each model's config). -#}

{#- The relation of the last build's state (int_marts_last_build, one row), or none on a first build or when it or
    int_marts_built_records is missing or lacks a column this release reads (read without ref(): they are built
    after the models that read them). `beside`: a relation in the same schema (default: this). -#}
{% macro marts_last_build_relation(beside=none) -%}
    {%- set at = beside if beside is not none else this -%}
    {%- set relation = adapter.get_relation(database=at.database, schema=at.schema, identifier='int_marts_last_build') -%}
    {%- if relation is none or marts_built_records_relation(relation) is none -%}{{ return(none) }}{%- endif -%}
    {%- set have = adapter.get_columns_in_relation(relation) | map(attribute='name') | list -%}
    {%- for column in ['config_fingerprint', 'as_of_date'] -%}
        {%- if column not in have -%}{{ return(none) }}{%- endif -%}
    {%- endfor -%}
    {%- for model in silver_staging_models() -%}
        {%- if loaded_through_column(model) not in have -%}{{ return(none) }}{%- endif -%}
    {%- endfor -%}
    {{- return(relation) -}}
{%- endmacro %}

{#- int_marts_built_records beside `last`, or none when it is missing. -#}
{% macro marts_built_records_relation(last) -%}
    {{- return(adapter.get_relation(database=last.database, schema=last.schema, identifier='int_marts_built_records')) -}}
{%- endmacro %}

{#- depends_on lines: every incremental model and the snapshot, which the last build's state is built after. -#}
{% macro incremental_marts_dependencies() -%}
{%- for model in ['int_customers_survived', 'fct_orders', 'fct_interactions', 'fct_survey_responses',
                  'fct_campaign_participation', 'fct_feedback', 'mart_customer_profile', 'dim_customer',
                  'mart_source_row_crosswalk', 'bridge_customer_contact_points', 'dim_customer_snapshot'] %}
-- depends_on: {{ ref(model) }}
{%- endfor %}
{%- endmacro %}

{#- pre_hook of int_marts_built_records: delete the records int_records_moved lists (which it then inserts again
    from the current customer file), or every record when there is no valid last build. -#}
{% macro delete_moved_records() -%}
    {%- if is_incremental() and marts_last_build_relation() is none -%}
        delete from {{ this }}
    {%- elif is_incremental() -%}
        delete from {{ this }} where (source, source_record_id) in (
            select source, source_record_id from {{ ref('int_records_moved') }})
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{#- The SQL of the customers whose dim_customer row can differ from the snapshot's current version, for the
    snapshot's comparison (macros/snapshot_in_scope.sql): the night's touched customers, when the last build is
    valid and its as-of date is tonight's (else dim_customer rewrote every row, `is_archived` included): none, compare
    every customer. Holds because the last build's state is built after the snapshot: a night whose snapshot
    failed leaves it, and the next night touches that night's customers again. A `dbt run` (no snapshot) or a
    selection that builds the state without the snapshot breaks this: build with `dbt build`. -#}
{% macro snapshot_touched_keys() -%}
    {%- set node = graph.nodes.get('model.customer360.int_customers_touched') -%}
    {%- if node is none -%}{{ return(none) }}{%- endif -%}
    {%- set touched = api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias) -%}
    {%- set last = marts_last_build_relation(touched) -%}
    {%- if last is none or adapter.get_relation(database=touched.database, schema=touched.schema,
                                                 identifier=touched.identifier) is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set as_of = graph.nodes['model.customer360.int_as_of_date'] -%}
    {%- set same = run_query('select (select as_of_date from ' ~ last ~ ') is not distinct from (select as_of_date from '
        ~ api.Relation.create(database=as_of.database, schema=as_of.schema, identifier=as_of.alias) ~ ')') -%}
    {%- if not same.columns[0].values()[0] -%}{{ return(none) }}{%- endif -%}
    {{- return('select customer_id from ' ~ touched) -}}
{%- endmacro %}

{#- `and`/`where` condition keeping the rows of the touched customers (and rows linked to no customer) on an
    incremental run; empty on a full build. The ref() is outside the branch so dbt records the dependency. -#}
{% macro touched_rows_filter(customer_column='customer_id', keyword='where') -%}
    {%- set touched = ref('int_customers_touched') -%}
    {%- if is_incremental() -%}
        {{ keyword }} ({{ customer_column }} is null
            or {{ customer_column }} in (select customer_id from {{ touched }}))
    {%- endif -%}
{%- endmacro %}

{#- pre_hook of an incremental model: delete the touched customers' rows (merged-away, split and erased ids
    included), which the model then inserts again from the current data. `unlinked`: also the rows linked to no
    customer (a model keyed by source row rebuilds them every night: an erased unlinked row has no customer
    to be touched by, and a re-delivered key can leave a row behind — an unlinked complaint delivered again as an
    inquiry is no feedback any more). -#}
{% macro delete_touched_rows(unlinked=false) -%}
    {%- set touched = ref('int_customers_touched') -%}
    {%- if is_incremental() and marts_last_build_relation(touched) is none -%}
        {#- no last build to compare with (a build that selected this model but not int_marts_last_build, or a
            state from an older release): every customer is touched, and rows of customers gone since go too -#}
        delete from {{ this }}
    {%- elif is_incremental() -%}
        delete from {{ this }} where customer_id in (select customer_id from {{ touched }})
            {%- if unlinked %} or customer_id is null{% endif %}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{#- A fingerprint of everything besides the data that shapes the marts: every model's and seed's checksum, the
    vars they read, the macros' digest (var c360_macros, passed by assets/dbt/defs.py: dbt gives Jinja no macro
    checksum) and DuckDB's session time zone (the load times' watermarks are read in it). When it changes (a new
    release, an edited var, seed or macro, another zone) every customer is touched. -#}
{% macro marts_config_fingerprint() -%}
    {%- set parts = [] -%}
    {%- if execute -%}
        {%- if target.type == 'duckdb' -%}
            {%- do parts.append('TimeZone=' ~ run_query("select current_setting('TimeZone')").columns[0].values()[0]) -%}
        {%- endif -%}
        {%- for node in graph.nodes.values() | sort(attribute='unique_id') -%}
            {%- if node.resource_type in ('model', 'seed') -%}
                {%- do parts.append(node.unique_id ~ '=' ~ node.checksum.checksum) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- for name in ['as_of_date', 'reporting_currency', 'default_currency', 'non_revenue_order_statuses',
                     'source_priority', 'survivorship_default_rule', 'survivorship_rules', 'archive_after_days',
                     'lifecycle', 'active_window_days', 'value_tiers', 'clv', 'nps_min_sample', 'c360_macros'] -%}
        {%- do parts.append(name ~ '=' ~ tojson(var(name, none))) -%}
    {%- endfor -%}
    {{- sql_literal(local_md5(parts | join('\n'))) -}}
{%- endmacro %}

{#- The column of int_marts_last_build holding the latest load time of a silver staging model's rows (each
    entity its own: their clocks need not agree). -#}
{% macro loaded_through_column(model) -%}
    {{- model ~ '_loaded_through' -}}
{%- endmacro %}

{% macro silver_staging_models() -%}
    {{- return(['stg_silver__persons', 'stg_silver__contacts', 'stg_silver__enrichments', 'stg_silver__orders',
                'stg_silver__survey_responses', 'stg_silver__interactions', 'stg_silver__campaign_members']) -}}
{%- endmacro %}

{#- post_hook of an incremental model: log how many rows this build rebuilt ("incremental batch: <model> <n>
    rows"), so a night's dbt log and the Dagster run show that only the touched customers were processed. Renders
    no SQL, so dbt runs no statement for the hook itself (an empty hook is skipped). -#}
{% macro log_incremental_batch() -%}
    {%- if execute and is_incremental() -%}
        {%- set found = run_query("select table_name from duckdb_tables() where temporary and starts_with(table_name, "
            ~ sql_literal(this.identifier ~ '__dbt_tmp') ~ ") order by table_name desc limit 1") -%}
        {%- if found.rows | length -%}
            {%- set rows = run_query('select count(*) from temp.main.' ~ adapter.quote(found.rows[0][0])).columns[0].values()[0] -%}
            {%- do log('incremental batch: ' ~ this.identifier ~ ' ' ~ rows ~ ' rows', info=True) -%}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
