-- Linkage health per source, plus a '(all)' row: source records, customers, multi-record clusters,
-- match probabilities, scored pairs by decision (pairs touching the source) and id events (all only).
with xref as (
    select * from {{ ref('stg_linkage__customer_xref') }}
),

by_source as (
    select
        coalesce(source, '(all)') as source,
        count(*) as source_records,
        count(distinct customer_id) as customers,
        count(distinct customer_id) filter (where cluster_size > 1) as multi_record_customers,
        avg(cluster_size) as avg_cluster_size,
        max(cluster_size) as max_cluster_size,
        avg(match_probability) filter (where cluster_size > 1) as avg_match_probability,
        max(linked_at) as linked_at
    from xref
    group by grouping sets ((source), ())
),

pair_sides as (
    select source_l as source, decision from {{ ref('stg_linkage__match_pairs') }}
    union all
    select source_r, decision from {{ ref('stg_linkage__match_pairs') }} where source_r is distinct from source_l
),

pairs as (
    select source, count(*) filter (where decision = 'match') as pairs_match,
        count(*) filter (where decision = 'review') as pairs_review,
        count(*) filter (where decision = 'non_match') as pairs_non_match
    from pair_sides group by source
    union all
    select '(all)', count(*) filter (where decision = 'match'), count(*) filter (where decision = 'review'),
        count(*) filter (where decision = 'non_match')
    from {{ ref('stg_linkage__match_pairs') }}
),

events as (
    select
        '(all)' as source,
        count(*) filter (where event = 'created') as ids_created,
        count(*) filter (where event = 'merged') as ids_merged,
        count(*) filter (where event = 'split') as ids_split,
        count(*) filter (where event = 'retired') as ids_retired
    from {{ ref('stg_linkage__id_history') }}
)

select
    s.*,
    coalesce(p.pairs_match, 0) as pairs_match,
    coalesce(p.pairs_review, 0) as pairs_review,
    coalesce(p.pairs_non_match, 0) as pairs_non_match,
    e.ids_created,
    e.ids_merged,
    e.ids_split,
    e.ids_retired
from by_source as s
left join pairs as p on p.source = s.source
left join events as e on e.source = s.source
