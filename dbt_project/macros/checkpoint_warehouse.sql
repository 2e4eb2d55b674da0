{#- on-run-end: write what the build changed into the warehouse file now (DuckDB's CHECKPOINT), so the readers
    after dbt (delivery, the run report) open a file without a write-ahead log to replay. The build itself
    checkpoints only past profiles.yml's checkpoint_threshold. Nothing on other adapters. -#}
{% macro checkpoint_warehouse() -%}
    {%- if target.type == 'duckdb' -%}
        checkpoint {{ adapter.quote(target.database) }}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}
