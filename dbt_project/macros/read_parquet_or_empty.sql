{#- Rows of the Parquet files matching `glob` (hive partitions, union by name), or an empty relation with
    `columns` ({name: type}) when no file matches yet: DuckDB errors on an empty glob. Target `encrypted`: the
    files are DuckDB-encrypted Parquet (key 'c360', registered by assets/privacy/dbt_plugin.py).
    Call source() in the model too, so the lineage edge to the Dagster asset writing the files exists.
    Spark: spark__read_parquet_or_empty (macros/spark_support.sql). -#}
{% macro read_parquet_or_empty(glob, columns) %}{{ return(adapter.dispatch('read_parquet_or_empty')(glob, columns)) }}{% endmacro %}

{% macro duckdb__read_parquet_or_empty(glob, columns) -%}
    {%- set found = 0 -%}
    {%- if execute -%}
        {%- set result = run_query("select count(*) from glob(" ~ sql_literal(glob) ~ ")") -%}
        {%- set found = result.columns[0].values()[0] -%}
    {%- endif -%}
    {%- if found > 0 -%}
        select {% for name in columns %}try_cast({{ adapter.quote(name) }} as {{ columns[name] }}) as {{ adapter.quote(name) }}{{ ", " if not loop.last }}{% endfor %}
        from read_parquet({{ sql_literal(glob) }}, hive_partitioning = true, union_by_name = true
            {%- if target.name == 'encrypted' %}, encryption_config = {footer_key: 'c360'}{% endif %})
    {%- else -%}
        select {% for name in columns %}cast(null as {{ columns[name] }}) as {{ adapter.quote(name) }}{{ ", " if not loop.last }}{% endfor %}
        where false
    {%- endif -%}
{%- endmacro %}
