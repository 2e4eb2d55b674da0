-- The linked records the incremental marts were last built from: each one's customer, match probability and link
-- time (which dim_customer and the crosswalk publish), keyed on (source, source_record_id). Incremental: a night
-- rewrites the records of int_records_moved only (a 1% night ~4% of 543k rows), every record when there is no
-- valid last build. Built after every incremental model and the snapshot (the depends_on lines), so a night that
-- fails before it leaves the previous build's records and the next night compares with them: it touches the
-- failed night's customers again. In one transaction with its pre_hook (delete+insert).
{{ config(materialized=('table' if target.type == 'spark' else 'incremental'), incremental_strategy='delete+insert',
          unique_key=['source', 'source_record_id'], on_schema_change='append_new_columns',
          pre_hook="{{ delete_moved_records() }}", post_hook="{{ log_incremental_batch() }}") }}
-- depends_on: {{ ref('int_records_moved') }}
{{ incremental_marts_dependencies() }}
select source, source_record_id, customer_id, match_probability, linked_at
from {{ ref('stg_linkage__customer_xref') }}
where customer_id is not null
{%- if is_incremental() %}
    and (source, source_record_id) in (select source, source_record_id from {{ ref('int_records_moved') }})
{%- endif %}
