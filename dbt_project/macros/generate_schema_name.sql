{#- Custom schemas are used as-is (staging, intermediate, marts, reference, snapshots), not prefixed
    with the target schema, so consumers read marts.dim_customer. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
