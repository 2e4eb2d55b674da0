-- Every candidate value of every golden-record field, one row per
-- (customer, field, source record): the input of survivorship. `value` is the normalised matching key that
-- survivorship compares (most_frequent counts keys); `display_value` is the same value as the source wrote it
-- (int_person_display_values), what dim_customer publishes.
{%- set person_fields = ['full_name', 'given_name', 'family_name', 'email', 'phone', 'wechat_id', 'birth_date',
    'gender', 'country', 'province', 'city', 'address', 'postcode', 'company', 'title'] %}
with persons as (
    select * from {{ ref('stg_silver__persons') }}
    qualify row_number() over (
        partition by source, source_record_id, entity order by run_date desc nulls last, loaded_at desc nulls last
    ) = 1
),

contacts as (
    select * from {{ ref('stg_silver__contacts') }}
    {{ latest_per_key(['source', 'source_record_id']) }}
),

enrichments as (
    select * from {{ ref('stg_silver__enrichments') }}
    {{ latest_per_key(['source', 'source_record_id']) }}
),

observations as (
    -- when each source last saw the person: the latest event it recorded for them
    select source, person_source_record_id as source_record_id, max(event_at) as seen_at
    from (
        select source, person_source_record_id, ordered_at as event_at from {{ ref('stg_silver__orders') }}
        union all
        select source, person_source_record_id, submitted_at from {{ ref('stg_silver__survey_responses') }}
        union all
        select source, person_source_record_id, occurred_at from {{ ref('stg_silver__interactions') }}
        union all
        select source, person_source_record_id, joined_at from {{ ref('stg_silver__campaign_members') }}
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
    -- displayed full name where they match their keys
    select
        r.*,
        {%- for f in display_fields() if f not in ('given_name', 'family_name') %}
        d.{{ f }} as display_{{ f }},
        {%- endfor %}
        coalesce(d.given_name, {{ name_part_as_written('d.full_name', 'r.given_name', 'r.family_name', 'given') }}) as display_given_name,
        coalesce(d.family_name, {{ name_part_as_written('d.full_name', 'r.given_name', 'r.family_name', 'family') }}) as display_family_name
    from records_ as r
    left join {{ ref('int_person_display_values') }} as d
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
    inner join {{ ref('stg_linkage__customer_xref') }} as xref
        on xref.source = r.source and xref.source_record_id = r.source_record_id
)

select
    customer_id, source, source_record_id, entity, observed_at, record_completeness, field,
    candidate.value as value,
    candidate.display_value as display_value
from scored
unpivot (candidate for field in ({{ golden_record_fields() | join(', ') }}))
