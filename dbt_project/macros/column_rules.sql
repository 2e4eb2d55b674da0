{#- The tests whose checks column_rules makes (selectors.yml leaves them out of the builds). -#}
{% macro column_rule_tests() -%}
    {{- return(['not_null', 'unique', 'accepted_values', 'value_between']) -}}
{%- endmacro %}

{#- [{column, rule, failing}] of the column tests on the node this column_rules test is attached to, of its severity:
    `failing` counts the rows that break the rule (for unique, the rows beyond each value's first). -#}
{% macro column_rules_of_this_test() -%}
    {%- if not execute -%}{{ return([{'column': '', 'rule': '', 'failing': '0'}]) }}{%- endif -%}
    {%- set severity = model.config.severity | lower -%}
    {%- set rules = [] -%}
    {%- for node in graph.nodes.values()
            if node.resource_type == 'test' and node.attached_node == model.attached_node
               and (node.test_metadata or {}).get('name') in column_rule_tests()
               and node.config.severity | lower == severity -%}
        {%- set name = node.test_metadata.name -%}
        {%- set args = node.test_metadata.kwargs -%}
        {%- set column = args.column_name -%}
        {%- if name == 'not_null' -%}
            {%- set rule, failing = 'not_null', 'sum(case when ' ~ column ~ ' is null then 1 else 0 end)' -%}
        {%- elif name == 'unique' -%}
            {%- set rule, failing = 'unique', 'count(' ~ column ~ ') - count(distinct ' ~ column ~ ')' -%}
        {%- elif name == 'accepted_values' -%}
            {%- set values = sql_literal_list(args['values']) if args.get('quote', true) else '(' ~ args['values'] | join(', ') ~ ')' -%}
            {%- set rule = 'accepted_values ' ~ args['values'] | join(', ') -%}
            {%- set failing = 'sum(case when ' ~ column ~ ' not in ' ~ values ~ ' then 1 else 0 end)' -%}
        {%- else -%}
            {%- set inclusive = args.get('inclusive', true) -%}
            {%- set bounds = [] -%}
            {%- if args.get('min_value') is not none -%}
                {%- do bounds.append(('>= ' if inclusive else '> ') ~ args.min_value) -%}
            {%- endif -%}
            {%- if args.get('max_value') is not none -%}
                {%- do bounds.append(('<= ' if inclusive else '< ') ~ args.max_value) -%}
            {%- endif -%}
            {%- set rule = 'value_between ' ~ bounds | join(' and ') -%}
            {%- set failing = 'sum(case when ' ~ value_outside(column, args.get('min_value'), args.get('max_value'), inclusive)
                              ~ ' then 1 else 0 end)' -%}
        {%- endif -%}
        {%- do rules.append({'column': column, 'rule': rule, 'failing': 'coalesce(' ~ failing ~ ', 0)'}) -%}
    {%- endfor -%}
    {%- if not rules -%}
        {{ exceptions.raise_compiler_error(model.name ~ ': no ' ~ severity ~ ' column test on ' ~ model.attached_node) }}
    {%- endif -%}
    {{- return(rules | sort(attribute='column')) -}}
{%- endmacro %}

{#- True where `column_name` is set and outside [min_value, max_value] (either bound optional). -#}
{% macro value_outside(column_name, min_value=none, max_value=none, inclusive=true) -%}
{{ column_name }} is not null
  and (
    false
    {%- if min_value is not none %}
    or {{ column_name }} {{ '<' if inclusive else '<=' }} {{ min_value }}
    {%- endif %}
    {%- if max_value is not none %}
    or {{ column_name }} {{ '>' if inclusive else '>=' }} {{ max_value }}
    {%- endif %}
  )
{%- endmacro %}
