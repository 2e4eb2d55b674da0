-- Scored candidate pairs of the latest linkage run (rename + cast only; per-field columns dropped).
select
    cast(source_l as varchar) as source_l,
    cast(id_l as varchar) as id_l,
    cast(source_r as varchar) as source_r,
    cast(id_r as varchar) as id_r,
    try_cast(match_weight as double) as match_weight,
    try_cast(match_probability as double) as match_probability,
    cast(decision as varchar) as decision
from {{ source('linkage', 'match_pairs') }}
