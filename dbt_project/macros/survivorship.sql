{#- Golden-record fields, in dim_customer column order. -#}
{% macro golden_record_fields() -%}
    {{ return(['full_name', 'given_name', 'family_name', 'email', 'phone', 'wechat_id', 'birth_date', 'gender',
               'country', 'province', 'city', 'address', 'postcode', 'company', 'title', 'industry', 'segment',
               'income_band']) }}
{%- endmacro %}

{% macro survivorship_rule_names() -%}
    {{ return(['source_priority', 'most_recent', 'most_complete', 'most_frequent']) }}
{%- endmacro %}

{#- field -> rule from vars, validated; one error lists every bad key with the fix. -#}
{% macro survivorship_rules() -%}
    {%- set fields = golden_record_fields() -%}
    {%- set allowed = survivorship_rule_names() -%}
    {%- set configured = var('survivorship_rules', {}) or {} -%}
    {%- set default = var('survivorship_default_rule', 'source_priority') -%}
    {%- set errors = [] -%}
    {%- set priority = var('source_priority', []) or [] -%}
    {%- if priority is string -%}
        {%- do errors.append("dbt_project.yml vars.source_priority: expected a list of source names, got a string; write [" ~ priority ~ "]") -%}
    {%- endif -%}
    {%- if default not in allowed -%}
        {%- do errors.append("dbt_project.yml vars.survivorship_default_rule: unknown rule '" ~ default ~ "'; use one of " ~ allowed | join(', ')) -%}
    {%- endif -%}
    {%- for field, rule in configured.items() -%}
        {%- if field not in fields -%}
            {%- do errors.append("dbt_project.yml vars.survivorship_rules." ~ field ~ ": unknown field; use one of " ~ fields | join(', ')) -%}
        {%- elif rule not in allowed -%}
            {%- do errors.append("dbt_project.yml vars.survivorship_rules." ~ field ~ ": unknown rule '" ~ rule ~ "'; use one of " ~ allowed | join(', ')) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if errors -%}
        {{ exceptions.raise_compiler_error(errors | join('\n')) }}
    {%- endif -%}
    {%- set rules = {} -%}
    {%- for field in fields -%}
        {%- do rules.update({field: configured.get(field, default)}) -%}
    {%- endfor -%}
    {{ return(rules) }}
{%- endmacro %}

{#- Rank of a source in var('source_priority') (1 = most trusted, validated by survivorship_rules());
    unlisted sources rank last. -#}
{% macro source_rank(column) -%}
    {%- set priority = var('source_priority', []) or [] -%}
    {%- if priority | length == 0 -%}
        1
    {%- else -%}
        coalesce(list_position([{% for s in priority %}{{ sql_literal(s) }}{{ ", " if not loop.last }}{% endfor %}], {{ column }}), {{ priority | length + 1 }})
    {%- endif -%}
{%- endmacro %}
