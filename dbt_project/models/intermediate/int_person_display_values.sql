-- The display values of every person record: names, company and places as the source wrote them (original
-- script and case), the latest non-empty value per field, published by dim_customer beside the normalised
-- matching keys that linkage and survivorship compare. A Latin "Walker, Anna" reads "Anna Walker"; a record
-- with only given and family names gets them composed (Hanzi family+given, Latin "given family").
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
    from {{ ref(model) }}
    where person_source_record_id is not null
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
