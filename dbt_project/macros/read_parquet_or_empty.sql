{#- Rows of the Parquet files matching `glob` (hive partitions, union by name), or an empty relation with
    `columns` ({name: type}) when no file matches yet: DuckDB errors on an empty glob. Target `encrypted`: the
    files are DuckDB-encrypted Parquet (key 'c360', registered by assets/privacy/dbt_plugin.py).
    Call source() in the model too, so the lineage edge to the Dagster asset writing the files exists.
    Type `utc_instant`: a timestamp adjusted to UTC in the files (as pandas writes a zone-aware time), read as a
    timestamp wall-clock in the partitions' zone as every other time (wall_clock_timestamp).
    Spark: spark__read_parquet_or_empty (macros/spark_support.sql). -#}
{% macro read_parquet_or_empty(glob, columns) %}{{ return(adapter.dispatch('read_parquet_or_empty')(glob, columns)) }}{% endmacro %}

{% macro duckdb__read_parquet_or_empty(glob, columns) -%}
    {%- set found = 0 -%}
    {%- if execute -%}
        {%- set result = run_query("select count(*) from glob(" ~ sql_literal(glob) ~ ")") -%}
        {%- set found = result.columns[0].values()[0] -%}
    {%- endif -%}
    {%- if found > 0 -%}
        select {% for name in columns %}{{ read_parquet_column(name, columns[name], read_parquet_type(columns[name])) }}{{ ", " if not loop.last }}{% endfor %}
        from read_parquet({{ sql_literal(glob) }}, hive_partitioning = true, union_by_name = true
            {%- if target.name == 'encrypted' %}, encryption_config = {footer_key: 'c360'}{% endif %})
    {%- else -%}
        select {% for name in columns %}cast(null as {{ read_parquet_type(columns[name]) }}) as {{ adapter.quote(name) }}{{ ", " if not loop.last }}{% endfor %}
        where false
    {%- endif -%}
{%- endmacro %}

{#- A column of the files as read_parquet_or_empty reads it (`sql_type`: its type in the engine's words). -#}
{% macro read_parquet_column(name, data_type, sql_type) -%}
    {%- if data_type == 'utc_instant' -%}{{ wall_clock_timestamp(adapter.quote(name)) }}
    {%- else -%}try_cast({{ adapter.quote(name) }} as {{ sql_type }}){%- endif %} as {{ adapter.quote(name) }}
{%- endmacro %}

{#- A column's type in the relation read_parquet_or_empty gives (DuckDB's names, as `columns` writes them). -#}
{% macro read_parquet_type(data_type) -%}{{ 'timestamp' if data_type == 'utc_instant' else data_type }}{%- endmacro %}
