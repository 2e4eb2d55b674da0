{#- The inputs of survivorship as SQL, for the views int_person_display_values and
    int_customer_attributes_unpivoted (every record) and for int_customers_survived, which on an incremental build
    renders them for the touched customers' records only, so a night computes the candidates of its customers
    instead of every customer's. Everything here is per source record (source, source_record_id): restricting
    the records restricts every row, window and aggregate without changing the rows of the records kept.
    `records`: none (every record), or the name of a relation of (source, source_record_id, customer_id) to keep:
    rows of stg_linkage__customer_xref, the customer each record is linked to. -#}

{#- `and`/`where` condition keeping the rows whose (source, record id) is in `records`; empty for every record.
    An uncorrelated `in` (one hash semi join) rather than a correlated `exists`, which DuckDB plans as a delim join
    (measured on a 1% night at 150k customers: int_customers_survived ~10% less CPU). -#}
{% macro in_records(records, source_column, record_column, keyword='and') -%}
    {%- if records is not none -%}
        {{ keyword }} ({{ source_column }}, {{ record_column }}) in (select source, source_record_id from {{ records }})
    {%- endif -%}
{%- endmacro %}

{#- The display values of every person record: names, company and places as the source wrote them (original
    script and case), the latest non-empty value per field, published by dim_customer beside the normalised
    matching keys that linkage and survivorship compare. A Latin "Walker, Anna" reads "Anna Walker"; a record
    with only given and family names gets them composed (Hanzi family+given, Latin "given family"). -#}
{% macro person_display_values(records=none) -%}
{%- set fields = ['full_name', 'given_name', 'family_name', 'company', 'province', 'city', 'address', 'title'] %}
{%- set sources = [
    ('stg_silver__contacts', fields),
    ('stg_silver__enrichments', ['full_name', 'company', 'province', 'city', 'title']),
    ('stg_silver__orders', ['full_name']),
    ('stg_silver__survey_responses', ['full_name']),
    ('stg_silver__interactions', ['full_name']),
    ('stg_silver__campaign_members', ['full_name', 'company']),
] %}
with rows_ as (
    {%- for model, cols in sources %}
    select
        source, person_source_record_id as source_record_id, run_date, loaded_at, loaded_from_line,
        {%- for f in fields %}
        {{ clean_text(f) if f in cols else 'cast(null as ' ~ string_type() ~ ')' }} as {{ f }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ ref(model) }} as r
    where person_source_record_id is not null
        {{ in_records(records, 'r.source', 'r.person_source_record_id') }}
    {{ "union all" if not loop.last }}
    {%- endfor %}
),

latest as (
    select
        source,
        source_record_id,
        {%- for f in fields %}
        {{ arg_max_by(f, ['run_date', 'loaded_at', 'loaded_from_line']) }} filter (where {{ f }} is not null) as {{ f }}{{ "," if not loop.last }}
        {%- endfor %}
    from rows_
    group by source, source_record_id
)

select
    source,
    source_record_id,
        case
            -- "Walker, Anna" (Latin family, given) reads "Anna Walker"
            when full_name is not null and not {{ matches_regexp('full_name', '\\p{Han}') }}
                and {{ matches_regexp('full_name', '^[^,]+,[^,]+$') }}
                then trim(split_part(full_name, ',', 2)) || ' ' || trim(split_part(full_name, ',', 1))
            when full_name is not null then full_name
            when {{ matches_regexp("coalesce(family_name, '') || coalesce(given_name, '')", '\\p{Han}') }}
                then nullif(coalesce(family_name, '') || coalesce(given_name, ''), '')
            else nullif(trim(coalesce(given_name, '') || ' ' || coalesce(family_name, '')), '')
        end as full_name
    {%- for f in fields if f != 'full_name' %},
    {{ f }}
    {%- endfor %}
from latest
{%- endmacro %}

{#- Every candidate value of every golden-record field, one row per (customer, field, source record): the input
    of survivorship. `value` is the normalised matching key that survivorship compares (most_frequent counts
    keys); `display_value` is the same value as the source wrote it (person_display_values), what dim_customer
    publishes. -#}
{% macro customer_attribute_candidates(records=none) -%}
{%- set person_fields = ['full_name', 'given_name', 'family_name', 'email', 'phone', 'wechat_id', 'birth_date',
    'gender', 'country', 'province', 'city', 'address', 'postcode', 'company', 'title'] %}
with persons as (
    select * from {{ ref('stg_silver__persons') }} as r
    {{ in_records(records, 'r.source', 'r.source_record_id', keyword='where') }}
    qualify row_number() over (
        partition by source, source_record_id, entity order by run_date desc nulls last, loaded_at desc nulls last
    ) = 1
),

contacts as (
    select * from {{ ref('stg_silver__contacts') }} as r
    {{ in_records(records, 'r.source', 'r.source_record_id', keyword='where') }}
    {{ latest_per_key(['source', 'source_record_id']) }}
),

enrichments as (
    select * from {{ ref('stg_silver__enrichments') }} as r
    {{ in_records(records, 'r.source', 'r.source_record_id', keyword='where') }}
    {{ latest_per_key(['source', 'source_record_id']) }}
),

observations as (
    -- when each source last saw the person: the latest event it recorded for them
    select source, person_source_record_id as source_record_id, max(event_at) as seen_at
    from (
        {%- for model, event_at in [('stg_silver__orders', 'ordered_at'), ('stg_silver__survey_responses', 'submitted_at'),
                                    ('stg_silver__interactions', 'occurred_at'), ('stg_silver__campaign_members', 'joined_at')] %}
        select source, person_source_record_id, {{ event_at }} as event_at from {{ ref(model) }} as r
        {{ in_records(records, 'r.source', 'r.person_source_record_id', keyword='where') }}
        {{ "union all" if not loop.last }}
        {%- endfor %}
    )
    group by source, person_source_record_id
),

records_ as (
    -- person fields from every entity's person record; segment/industry from contacts; enrichment extras.
    -- observed_at: the record's own update time, else the source's latest event for the person, else load time
    select
        p.source, p.source_record_id, p.entity,
        coalesce(c.updated_at, c.created_at, e.updated_at, o.seen_at, p.loaded_at) as observed_at,
        {% for f in person_fields if f not in ('email', 'phone', 'birth_date') %}{{ clean_text('p.' ~ f) }} as {{ f }},
        {% endfor -%}
        {{ clean_text(list_item('p.emails', 1)) }} as email,
        {{ clean_text(list_item('p.phones', 1)) }} as phone,
        cast(p.birth_date as {{ string_type() }}) as birth_date,
        case when p.entity = 'contact' then {{ clean_text('c.industry') }} end as industry,
        case when p.entity = 'contact' then {{ clean_text('c.segment') }} end as segment,
        cast(null as {{ string_type() }}) as income_band
    from persons as p
    left join contacts as c on c.source = p.source and c.source_record_id = p.source_record_id
    left join enrichments as e on e.source = p.source and e.source_record_id = p.source_record_id
    left join observations as o on o.source = p.source and o.source_record_id = p.source_record_id
),

displayed as (
    -- each field's display value beside its key; given/family names not delivered apart are cut from the
    -- displayed full name where they match their keys. One part delivered alone is cut too: it may hold the
    -- whole name (Last Name 陈静, First Name blank: family 陈, given 静), else it is cut whole ('王', 'Smith')
    select
        r.*,
        {%- for f in display_fields() if f not in ('given_name', 'family_name') %}
        d.{{ f }} as display_{{ f }},
        {%- endfor %}
        {%- for part in ('given', 'family') %}
        case when d.given_name is not null and d.family_name is not null then d.{{ part }}_name
            else coalesce({{ name_part_as_written('d.full_name', 'r.given_name', 'r.family_name', part) }}, d.{{ part }}_name)
        end as display_{{ part }}_name{{ "," if not loop.last }}
        {%- endfor %}
    from records_ as r
    left join ({{ person_display_values(records) }}) as d
        on d.source = r.source and d.source_record_id = r.source_record_id
),

records as (
    -- every column of `displayed`, in its order; the enrichment extras fill industry and income_band
    {%- set enrichment_extras = {
        'source': 'source', 'source_record_id': 'source_record_id', 'entity': "'enrichment'",
        'observed_at': 'coalesce(updated_at, loaded_at)',
        'industry': clean_text('industry'), 'income_band': clean_text('income_band')} %}
    {%- set displayed_columns = ['source', 'source_record_id', 'entity', 'observed_at'] %}
    {%- for f in person_fields if f not in ('email', 'phone', 'birth_date') %}{% do displayed_columns.append(f) %}{% endfor %}
    {%- do displayed_columns.extend(['email', 'phone', 'birth_date', 'industry', 'segment', 'income_band']) %}
    {%- for f in display_fields() if f not in ('given_name', 'family_name') %}{% do displayed_columns.append('display_' ~ f) %}{% endfor %}
    {%- do displayed_columns.extend(['display_given_name', 'display_family_name']) %}
    select * from displayed
    union all
    select
        {%- for c in displayed_columns %}
        {{ enrichment_extras.get(c, 'null') }} as {{ c }}{{ "," if not loop.last }}
        {%- endfor %}
    from enrichments
),

scored as (
    select
        xref.customer_id,
        r.source, r.source_record_id, r.entity, r.observed_at,
        -- completeness of the whole source record: how many golden fields it fills
        ({% for f in golden_record_fields() %}cast(r.{{ f }} is not null as integer){{ " + " if not loop.last }}{% endfor %}) as record_completeness,
        {%- for f in golden_record_fields() %}
        {%- set shown = 'coalesce(r.display_' ~ f ~ ', r.' ~ f ~ ')' if f in display_fields() else 'r.' ~ f %}
        case when r.{{ f }} is not null then {{ struct_of([('value', 'r.' ~ f), ('display_value', shown)]) }} end as {{ f }}{{ "," if not loop.last }}
        {%- endfor %}
    from records as r
    {# the records' customers: `records` has them when given (the rows of the xref it keeps: the join then hashes
       the night's records instead of every linked record, and reads the xref's Parquet once) #}
    inner join {{ ref('stg_linkage__customer_xref') if records is none else records }} as xref
        on xref.source = r.source and xref.source_record_id = r.source_record_id
)

select
    customer_id, source, source_record_id, entity, observed_at, record_completeness, field,
    candidate.value as value,
    candidate.display_value as display_value
from scored
unpivot (candidate for field in ({{ golden_record_fields() | join(', ') }}))
{%- endmacro %}
