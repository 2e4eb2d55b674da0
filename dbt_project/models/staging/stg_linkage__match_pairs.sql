-- Scored candidate pairs of the latest linkage run (rename + cast only; per-field columns dropped).
select
    cast(source_l as {{ string_type() }}) as source_l,
    cast(id_l as {{ string_type() }}) as id_l,
    cast(source_r as {{ string_type() }}) as source_r,
    cast(id_r as {{ string_type() }}) as id_r,
    try_cast(match_weight as double) as match_weight,
    try_cast(match_probability as double) as match_probability,
    cast(decision as {{ string_type() }}) as decision
from {{ source('linkage', 'match_pairs') }}
