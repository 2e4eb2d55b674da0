-- The records whose customer, match probability or link time differ from what the marts were last built from
-- (int_marts_built_records): new, moved (merge, split), re-scored or gone (erasure, unlinked). new_id / old_id:
-- the record's customer now and at the last build (NULL when it has none). Every linked record when there is no
-- last build. Read by int_customers_touched (both customers are touched) and by int_marts_built_records, which
-- rewrites these records' rows only.
{{ config(materialized='table') }}
{%- set last = marts_last_build_relation() %}
with current_xref as (
    select source, source_record_id, customer_id, match_probability, linked_at
    from {{ ref('stg_linkage__customer_xref') }}
    where customer_id is not null
)
{%- if last is none %}

select source, source_record_id, customer_id as new_id, cast(null as {{ string_type() }}) as old_id
from current_xref
{%- else %}

select source, source_record_id, c.customer_id as new_id, l.customer_id as old_id
from current_xref as c
full join {{ marts_built_records_relation(last) }} as l using (source, source_record_id)
where c.customer_id is distinct from l.customer_id
    or c.match_probability is distinct from l.match_probability
    or c.linked_at is distinct from l.linked_at
{%- endif %}
