{#- SQL that differs between DuckDB (dbt-duckdb, the default engine) and Spark (dbt-spark, C360_ENGINE=spark).
    Each macro renders the DuckDB SQL the models always used (duckdb__) and its Spark SQL equivalent (spark__),
    so one model body builds the same marts on both. Spark runs with ANSI mode off (dbt-spark sets it). -#}

{#- The string type: varchar / string. -#}
{% macro string_type() %}{{ return(adapter.dispatch('string_type')()) }}{% endmacro %}
{% macro duckdb__string_type() %}{{ return('varchar') }}{% endmacro %}
{% macro spark__string_type() %}{{ return('string') }}{% endmacro %}

{#- A list of strings: varchar[] / array<string>. -#}
{% macro string_list_type() %}{{ return(adapter.dispatch('string_list_type')()) }}{% endmacro %}
{% macro duckdb__string_list_type() %}{{ return('varchar[]') }}{% endmacro %}
{% macro spark__string_list_type() %}{{ return('array<string>') }}{% endmacro %}

{#- A Parquet timestamp column as a timestamp, NULL when it is not one. On Spark, Parquet TIMESTAMP(NANOS)
    (what pandas writes) is read as a bigint of nanoseconds (spark.sql.legacy.parquet.nanosAsLong, set by the
    spark profile); Spark checks every branch of a CASE against the column's type, so the value goes through
    its text, which both a timestamp and a bigint of nanoseconds have. -#}
{% macro try_cast_timestamp(column) %}{{ return(adapter.dispatch('try_cast_timestamp')(column)) }}{% endmacro %}
{% macro duckdb__try_cast_timestamp(column) -%}try_cast({{ column }} as timestamp){%- endmacro %}
{% macro spark__try_cast_timestamp(column) -%}
    coalesce(try_cast(cast({{ column }} as string) as timestamp),
        timestamp_micros(div(try_cast(cast({{ column }} as string) as bigint), 1000)))
{%- endmacro %}

{#- A UTC instant (a Parquet timestamp adjusted to UTC, as pandas writes a zone-aware time) as a timestamp
    wall-clock in the partitions' zone (C360_TIMEZONE), as every other time: DuckDB's cast converts it to its session
    zone, which profiles.yml sets; Spark's session runs in UTC (the Parquet timestamps of standardise are wall-clock
    already), so the instant is converted here. -#}
{% macro wall_clock_timestamp(column) %}{{ return(adapter.dispatch('wall_clock_timestamp')(column)) }}{% endmacro %}
{% macro default__wall_clock_timestamp(column) -%}{{ try_cast_timestamp(column) }}{%- endmacro %}
{% macro spark__wall_clock_timestamp(column) -%}
    from_utc_timestamp({{ try_cast_timestamp(column) }}, {{ sql_literal(env_var('C360_TIMEZONE', 'Asia/Shanghai')) }})
{%- endmacro %}

{#- A UTC time written without a zone (linkage's linked_at and id_history.at) as a timestamp wall-clock in the
    partitions' zone, as every other time: DuckDB reads it as UTC and casts it to its session zone (profiles.yml);
    on Spark it is what wall_clock_timestamp converts. -#}
{% macro utc_as_wall_clock(column) %}{{ return(adapter.dispatch('utc_as_wall_clock')(column)) }}{% endmacro %}
{% macro default__utc_as_wall_clock(column) -%}cast(timezone('UTC', {{ try_cast_timestamp(column) }}) as timestamp){%- endmacro %}
{% macro spark__utc_as_wall_clock(column) -%}{{ spark__wall_clock_timestamp(column) }}{%- endmacro %}

{#- The same for a date (a Parquet date, or a timestamp cut to its day). -#}
{% macro try_cast_date(column) %}{{ return(adapter.dispatch('try_cast_date')(column)) }}{% endmacro %}
{% macro duckdb__try_cast_date(column) -%}try_cast({{ column }} as date){%- endmacro %}
{% macro spark__try_cast_date(column) -%}cast({{ spark__try_cast_timestamp(column) }} as date){%- endmacro %}

{#- `expression` matches the regular expression `pattern` (a plain string, RE2 syntax as DuckDB reads it;
    on Spark the Java equivalent: \p{Han} -> \p{IsHan}, backslashes escaped for Spark's string literals). -#}
{% macro matches_regexp(expression, pattern) %}{{ return(adapter.dispatch("matches_regexp")(expression, pattern)) }}{% endmacro %}
{% macro duckdb__matches_regexp(expression, pattern) -%}regexp_matches({{ expression }}, {{ sql_literal(pattern) }}){%- endmacro %}
{% macro spark__matches_regexp(expression, pattern) -%}({{ expression }} rlike {{ spark_regexp_literal(pattern) }}){%- endmacro %}

{% macro spark_regexp_literal(pattern) -%}
    {{- sql_literal(pattern.replace('\\p{Han}', '\\p{IsHan}').replace('\\', '\\\\')) -}}
{%- endmacro %}

{#- The list of the parts of `expression` split at every match of the regular expression `pattern`. -#}
{% macro split_regexp(expression, pattern) %}{{ return(adapter.dispatch('split_regexp')(expression, pattern)) }}{% endmacro %}
{% macro duckdb__split_regexp(expression, pattern) -%}string_split_regex({{ expression }}, {{ sql_literal(pattern) }}){%- endmacro %}
{% macro spark__split_regexp(expression, pattern) -%}split({{ expression }}, {{ spark_regexp_literal(pattern) }}){%- endmacro %}

{#- The list of the parts of `expression` split at the literal `separator`. -#}
{% macro split_string(expression, separator) %}{{ return(adapter.dispatch('split_string')(expression, separator)) }}{% endmacro %}
{% macro duckdb__split_string(expression, separator) -%}string_split({{ expression }}, {{ sql_literal(separator) }}){%- endmacro %}
{% macro spark__split_string(expression, separator) -%}split({{ expression }}, {{ spark_regexp_literal(modules.re.escape(separator)) }}){%- endmacro %}

{#- The elements of a list for which `lambda` (`x -> condition`, the same syntax on both) holds. -#}
{% macro list_filter(list, lambda) %}{{ return(adapter.dispatch('list_filter')(list, lambda)) }}{% endmacro %}
{% macro duckdb__list_filter(list, lambda) -%}list_filter({{ list }}, {{ lambda }}){%- endmacro %}
{% macro spark__list_filter(list, lambda) -%}filter({{ list }}, {{ lambda }}){%- endmacro %}

{#- The `index`-th element of a list (1-based), NULL when there is none. -#}
{% macro list_item(list, index) %}{{ return(adapter.dispatch('list_item')(list, index)) }}{% endmacro %}
{% macro duckdb__list_item(list, index) -%}{{ list }}[{{ index }}]{%- endmacro %}
{% macro spark__list_item(list, index) -%}try_element_at({{ list }}, {{ index }}){%- endmacro %}

{#- 1-based position of `expression` in a list of SQL `items`, NULL when absent. -#}
{% macro list_position(items, expression) %}{{ return(adapter.dispatch('list_position')(items, expression)) }}{% endmacro %}
{% macro duckdb__list_position(items, expression) -%}list_position([{{ items | join(', ') }}], {{ expression }}){%- endmacro %}
{% macro spark__list_position(items, expression) -%}nullif(array_position(array({{ items | join(', ') }}), {{ expression }}), 0){%- endmacro %}

{#- One row per element of a list (a select-list item on its own). -#}
{% macro unnest_list(list) %}{{ return(adapter.dispatch('unnest_list')(list)) }}{% endmacro %}
{% macro duckdb__unnest_list(list) -%}unnest({{ list }}){%- endmacro %}
{% macro spark__unnest_list(list) -%}explode({{ list }}){%- endmacro %}

{#- A struct from (name, SQL expression) pairs. -#}
{% macro struct_of(fields) %}{{ return(adapter.dispatch('struct_of')(fields)) }}{% endmacro %}
{% macro duckdb__struct_of(fields) -%}{{ '{' }}{% for name, expression in fields %}{{ sql_literal(name) }}: {{ expression }}{{ ", " if not loop.last }}{% endfor %}{{ '}' }}{%- endmacro %}
{% macro spark__struct_of(fields) -%}named_struct({% for name, expression in fields %}{{ sql_literal(name) }}, {{ expression }}{{ ", " if not loop.last }}{% endfor %}){%- endmacro %}

{#- Aggregate: `value` of the row with the greatest (key1, key2, …), compared in order. -#}
{% macro arg_max_by(value, keys) %}{{ return(adapter.dispatch('arg_max_by')(value, keys)) }}{% endmacro %}
{% macro duckdb__arg_max_by(value, keys) -%}arg_max({{ value }}, ({{ keys | join(', ') }})){%- endmacro %}
{% macro spark__arg_max_by(value, keys) -%}max_by({{ value }}, struct({{ keys | join(', ') }})){%- endmacro %}

{#- A timestamp as whole microseconds since 1970-01-01 (bigint). -#}
{% macro epoch_microseconds(timestamp) %}{{ return(adapter.dispatch('epoch_microseconds')(timestamp)) }}{% endmacro %}
{% macro duckdb__epoch_microseconds(timestamp) -%}epoch_us({{ timestamp }}){%- endmacro %}
{% macro spark__epoch_microseconds(timestamp) -%}unix_micros({{ timestamp }}){%- endmacro %}

{#- A unique id of each row of a query (bigint, in no particular order); a relation read more than once must be
    computed once for its ids to agree: DuckDB's `materialized` CTE, Spark's non-deterministic CTE (never inlined). -#}
{% macro row_id() %}{{ return(adapter.dispatch('row_id')()) }}{% endmacro %}
{% macro duckdb__row_id() -%}row_number() over (){%- endmacro %}
{#- (Spark's row_number() needs an ordered window) -#}
{% macro spark__row_id() -%}monotonically_increasing_id(){%- endmacro %}

{#- Aggregate: the distinct non-null values of `expression`, sorted, joined by `separator`. -#}
{% macro string_agg_distinct(expression, separator) %}{{ return(adapter.dispatch('string_agg_distinct')(expression, separator)) }}{% endmacro %}
{% macro duckdb__string_agg_distinct(expression, separator) -%}string_agg(distinct {{ expression }}, {{ sql_literal(separator) }} order by {{ expression }}){%- endmacro %}
{#- (Spark 4.0's listagg(distinct …) within group fails beside other aggregates: ClassCastException) -#}
{% macro spark__string_agg_distinct(expression, separator) -%}
    case when count({{ expression }}) > 0 then array_join(array_sort(collect_set({{ expression }})), {{ sql_literal(separator) }}) end
{%- endmacro %}

{#- Whole `part`s (day, month) from `start` to `end` (dates, or month starts for month). -#}
{% macro date_diff(part, start, end) %}{{ return(adapter.dispatch('date_diff')(part, start, end)) }}{% endmacro %}
{% macro duckdb__date_diff(part, start, end) -%}date_diff({{ sql_literal(part) }}, {{ start }}, {{ end }}){%- endmacro %}
{% macro spark__date_diff(part, start, end) -%}timestampdiff({{ part | upper }}, {{ start }}, {{ end }}){%- endmacro %}

{#- `date` minus `days` days. -#}
{% macro minus_days(date, days) %}{{ return(adapter.dispatch('minus_days')(date, days)) }}{% endmacro %}
{% macro duckdb__minus_days(date, days) -%}{{ date }} - to_days({{ days }}){%- endmacro %}
{% macro spark__minus_days(date, days) -%}date_sub({{ date }}, {{ days }}){%- endmacro %}

{#- `date` plus `months` months. -#}
{% macro plus_months(date, months) %}{{ return(adapter.dispatch('plus_months')(date, months)) }}{% endmacro %}
{% macro duckdb__plus_months(date, months) -%}{{ date }} + to_months({{ months }}){%- endmacro %}
{% macro spark__plus_months(date, months) -%}add_months({{ date }}, {{ months }}){%- endmacro %}

{#- A FROM item: one row per month start `column` from the timestamp `first` up to before `stop`. -#}
{% macro month_starts(first, stop, alias, column) %}{{ return(adapter.dispatch('month_starts')(first, stop, alias, column)) }}{% endmacro %}
{% macro duckdb__month_starts(first, stop, alias, column) -%}
    range({{ first }}, {{ stop }}, interval 1 month) as {{ alias }}({{ column }})
{%- endmacro %}
{% macro spark__month_starts(first, stop, alias, column) -%}
    lateral explode(sequence({{ first }}, {{ stop }} - interval 1 month, interval 1 month)) as {{ alias }}({{ column }})
{%- endmacro %}

{#- `select *` of `relation` with some columns replaced: {column: SQL expression}, in the same position. -#}
{% macro star_replace(relation, replacements) %}{{ return(adapter.dispatch('star_replace')(relation, replacements)) }}{% endmacro %}
{% macro duckdb__star_replace(relation, replacements) -%}
    * replace ({% for name, expression in replacements.items() %}{{ expression }} as {{ name }}{{ ", " if not loop.last }}{% endfor %})
{%- endmacro %}
{% macro spark__star_replace(relation, replacements) -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {{ replacements.get(column.name, adapter.quote(column.name)) }}{% if column.name in replacements %} as {{ column.name }}{% endif %}{{ ", " if not loop.last }}
        {%- endfor -%}
    {%- else -%}*{%- endif -%}
{%- endmacro %}
