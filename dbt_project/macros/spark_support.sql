{#- What dbt-spark needs beyond the models' SQL (C360_ENGINE=spark, target `spark` of profiles.yml). -#}

{#- on-run-start: every source with meta.spark_path (a path under the data root, `{name}` = the table) becomes
    an external Parquet table of the Spark catalog, re-created each run so new partitions and columns are seen.
    DuckDB reads the same files through the sources' external_location, so this does nothing there. -#}
{% macro register_parquet_sources() %}{{ return(adapter.dispatch('register_parquet_sources')()) }}{% endmacro %}
{% macro default__register_parquet_sources() %}{{ return('') }}{% endmacro %}
{% macro spark__register_parquet_sources() %}
    {%- if execute -%}
        {%- for node in graph.sources.values() if node.meta.get('spark_path') -%}
            {%- set path = data_path(node.meta['spark_path'].replace('{name}', node.name)) -%}
            {%- do run_query('create database if not exists ' ~ node.schema) -%}
            {%- do run_query('drop table if exists ' ~ node.schema ~ '.' ~ adapter.quote(node.name)) -%}
            {%- do run_query('create table ' ~ node.schema ~ '.' ~ adapter.quote(node.name)
                ~ " using parquet options (path " ~ sql_literal(path) ~ ", mergeSchema 'true')") -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}

{#- read_parquet_or_empty on Spark: an external table with the given columns over the folder of the glob
    (hive partitions discovered), re-created each run; a folder that does not exist yet reads as empty. -#}
{% macro spark__read_parquet_or_empty(glob, columns) -%}
    {%- set parts = [] -%}
    {%- for part in glob.split('/') if '*' not in part %}{% do parts.append(part) %}{% endfor -%}
    {%- set folder = parts | join('/') -%}
    {%- set files = this.schema ~ '.' ~ adapter.quote(this.identifier ~ '__files') -%}
    {%- if execute -%}
        {%- do run_query('drop table if exists ' ~ files) -%}
        {%- do run_query('create table ' ~ files ~ ' ('
            ~ spark_columns_ddl(columns) ~ ') using parquet options (path ' ~ sql_literal(folder) ~ ')') -%}
    {%- endif -%}
    select {% for name in columns %}{{ read_parquet_column(name, columns[name], spark_type(read_parquet_type(columns[name]))) }}{{ ", " if not loop.last }}{% endfor %}
    from {{ files }}
{%- endmacro %}

{#- The files' columns; dates as text (the ops files write ISO dates as strings, hive partitions are text). -#}
{% macro spark_columns_ddl(columns) -%}
    {%- for name in columns %}{{ adapter.quote(name) }} {{ 'string' if columns[name] == 'date' else spark_type(read_parquet_type(columns[name])) }}{{ ", " if not loop.last }}{% endfor -%}
{%- endmacro %}

{#- A type as the models and contracts write it (DuckDB's names) in Spark's words. -#}
{% macro spark_type(data_type) -%}
    {{- {'varchar': 'string', 'text': 'string', 'integer': 'int', 'varchar[]': 'array<string>'}.get(data_type | lower, data_type) -}}
{%- endmacro %}

{#- Contracts (the marts) on Spark: the columns must be the yml's, by name (as on DuckDB), and each is cast to
    its declared type, so a mart has the same schema on both engines (Spark computes 100.0 * x as a decimal
    where DuckDB gives a double). -#}
{% macro spark__get_assert_columns_equivalent(sql) -%}
    {%- set declared = model['columns'].keys() | list -%}
    {%- set built = get_column_schema_from_query(sql, config.get('sql_header', none)) | map(attribute='name') | list -%}
    {%- if (declared | sort) != (built | sort) -%}
        {%- do exceptions.raise_compiler_error('contract of ' ~ model.name ~ ': the SQL gives columns ' ~ built
            ~ ', the yml declares ' ~ declared) -%}
    {%- endif -%}
{%- endmacro %}

{% macro spark__get_select_subquery(sql) -%}
    select
    {%- for column in model['columns'].values() %}
        cast({{ adapter.quote(column.name) }} as {{ spark_type(column.data_type) }}) as {{ adapter.quote(column.name) }}{{ "," if not loop.last }}
    {%- endfor %}
    from (
        {{ sql }}
    ) as model_subq
{%- endmacro %}

{#- Constraints are not persisted on Spark's Parquet tables (dbt-spark does it only for Delta, and would try
    here because the file format is not set explicitly); the data tests check them, as on DuckDB. -#}
{% macro spark__persist_constraints(relation, model) %}{% endmacro %}
