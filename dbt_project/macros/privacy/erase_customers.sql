{#- Right to be forgotten, inside the warehouse: delete the given customers from every base table of the
    given schemas that has a `customer_id` column (marts and snapshots by default). For when the warehouse is
    reachable only through dbt; the nightly `privacy/erasure` asset does the same (and more: source records,
    hashed identifiers) with a DuckDB connection while dbt is idle.

    dbt run-operation erase_customers --args '{customer_ids: [C-0001], schemas: [marts, snapshots]}'
-#}
{% macro erase_customers(customer_ids, schemas=['marts', 'snapshots']) %}
    {%- if customer_ids | length == 0 -%}
        {{ log("erase_customers: no customer_ids given, nothing to do", info=True) }}
        {{ return(0) }}
    {%- endif -%}
    {%- set relations_sql -%}
        select c.table_schema, c.table_name
        from information_schema.columns c
        join information_schema.tables t
          on t.table_catalog = c.table_catalog and t.table_schema = c.table_schema and t.table_name = c.table_name
        where c.column_name = 'customer_id'
          and t.table_type = 'BASE TABLE'
          and c.table_catalog = {{ sql_literal(target.database) }}
          and c.table_schema in {{ sql_literal_list(schemas) }}
        order by 1, 2
    {%- endset -%}
    {%- set relations = run_query(relations_sql) -%}
    {%- set total = namespace(rows=0) -%}
    {%- for row in relations.rows -%}
        {%- set relation = adapter.quote(row[0]) ~ "." ~ adapter.quote(row[1]) -%}
        {%- set result = run_query(
            "delete from " ~ relation ~ " where customer_id::varchar in " ~ sql_literal_list(customer_ids)
            ~ " returning 1"
        ) -%}
        {%- set total.rows = total.rows + (result.rows | length) -%}
        {{ log("erase_customers: " ~ (result.rows | length) ~ " rows from " ~ row[0] ~ "." ~ row[1], info=True) }}
    {%- endfor -%}
    {%- do adapter.commit() -%}
    {{ log("erase_customers: " ~ total.rows ~ " rows removed in total", info=True) }}
    {{ return(total.rows) }}
{% endmacro %}
