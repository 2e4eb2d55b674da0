{#- The schemas of a database, for dbt's check of which schemas to create before a build. dbt passes the database
    quoted ("customer360") and dbt-duckdb's own macro compares it, quotes and all, with the catalog's name, so it
    found no schema and dbt created the five again on every build (each with a connection of its own). Overrides
    dbt-duckdb's duckdb__list_schemas (root project macros come first); the name is compared unquoted. -#}
{% macro duckdb__list_schemas(database) -%}
  {% set sql %}
    select schema_name
    from system.information_schema.schemata
    {% if database is not none %}
    where lower(catalog_name) = lower({{ sql_literal(database | replace('"', '')) }})
    {% endif %}
  {% endset %}
  {{ return(run_query(sql)) }}
{%- endmacro %}
