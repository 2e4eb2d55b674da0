{#- Golden-record fields, in dim_customer column order. -#}
{% macro golden_record_fields() -%}
    {{ return(['full_name', 'given_name', 'family_name', 'email', 'phone', 'wechat_id', 'birth_date', 'gender',
               'country', 'province', 'city', 'address', 'postcode', 'company', 'title', 'industry', 'segment',
               'income_band']) }}
{%- endmacro %}

{#- Golden-record fields published as the source wrote them (original script and case); dim_customer keeps
    their normalised matching keys in <field>_key columns (full_name: name_key). -#}
{% macro display_fields() -%}
    {{ return(['full_name', 'given_name', 'family_name', 'company', 'province', 'city', 'address', 'title']) }}
{%- endmacro %}

{#- The dim_customer column holding a display field's matching key. -#}
{% macro key_column(field) -%}
    {{ return('name_key' if field == 'full_name' else field ~ '_key') }}
{%- endmacro %}

{#- The given or family part of a displayed full name, as written: the token whose lower case is the part's
    key ("Anna Walker", key "anna" -> "Anna"), or for a Hanzi name without spaces the leading family characters
    and the rest (張偉 with keys 张 / 伟 -> 張 / 偉). NULL when it cannot be found. -#}
{% macro name_part_as_written(full, given_key, family_key, part) -%}
    {%- set key = given_key if part == 'given' else family_key -%}
    case
        when {{ full }} is null or {{ key }} is null then null
        when {{ matches_regexp(full, '\\p{Han}') }} and not {{ matches_regexp(full, '\\s') }}
            and length({{ full }}) = length(coalesce({{ family_key }}, '')) + length(coalesce({{ given_key }}, ''))
            then {% if part == 'family' %}left({{ full }}, length({{ family_key }})){% else %}substr({{ full }}, length(coalesce({{ family_key }}, '')) + 1){% endif %}
        else {{ list_item(list_filter(split_regexp(full, '[\\s,]+'), 't -> lower(t) = ' ~ key), 1) }}
    end
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
        {%- set items = [] %}{% for s in priority %}{% do items.append(sql_literal(s)) %}{% endfor %}
        coalesce({{ list_position(items, column) }}, {{ priority | length + 1 }})
    {%- endif -%}
{%- endmacro %}

{#- The order survivorship ranks a field's candidate values in, least first, as a list of keys compared in turn
    (none is ever NULL): the field's rule, then the fallbacks source priority, recency, completeness and
    frequency, then the values themselves, so the choice never depends on the order rows arrive in. Reads the
    candidate columns rule, source_rank, recency_rank (0 - epoch microseconds; undated last), record_completeness,
    source, value, display_value, source_record_id; `frequency`: the SQL of how many of the customer's records
    carry the value. -#}
{% macro survivorship_order(frequency) -%}
    {%- set fewer = '-(' ~ frequency ~ ')' -%}
    {{ return([
        "case rule when 'source_priority' then source_rank when 'most_recent' then recency_rank"
            ~ " when 'most_complete' then -record_completeness when 'most_frequent' then " ~ fewer ~ " end",
        'source_rank', 'recency_rank', '-record_completeness', fewer,
        'source', 'value', 'display_value', 'source_record_id']) }}
{%- endmacro %}

{#- The first row of each (customer, field) of `relation` in survivorship_order() (after `first_keys`), among its
    rows where `condition`: columns candidate_id, customer_id, field, source, source_record_id. `relation` has the
    columns survivorship_order() reads and value_frequency. The rows are sorted within a few coarse buckets of
    customers and each (customer, field)'s first one kept by comparing it with the row before: a window
    partitioned by customer and field would do the same, but DuckDB pins memory per partition group and ran out at
    9.7M candidates (duckdb/duckdb#7808), while a coarse window over few columns sorts within its bound. -#}
{% macro first_candidates(relation, condition, first_keys=[]) -%}
    {%- set order = ['customer_id', 'field'] + first_keys + survivorship_order('value_frequency') %}
    select candidate_id, customer_id, field, source, source_record_id
    from (
        select candidate_id, customer_id, field, source, source_record_id,
            lag(customer_id) over sorted_candidates as previous_customer_id,
            lag(field) over sorted_candidates as previous_field
        from {{ relation }}
        where {{ condition }}
        window sorted_candidates as (partition by hash(customer_id) % 16 order by {{ order | join(', ') }})
    ) as sorted
    where previous_customer_id is null or previous_customer_id <> customer_id or previous_field <> field
{%- endmacro %}
