"""The report's linkage figures computed over Arrow with DuckDB, not as pandas objects.

At 150,000 customers the customer file holds ~540k records and match_pairs ~940k pairs: turning them into pandas
rows of Python strings (to count customers, pairs by decision, and find a few example matches) cost seconds a
night. Here the files are read as Arrow (`open_parquet`: plain or encrypted zone files alike) and aggregated by
DuckDB in place; only what the report shows comes back as pandas (the cluster-size table, the match weights for
the histogram, the confident pairs that ended in one customer).
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from assets.parquet_files import open_parquet
from assets.scratch_duckdb import scratch_cursor

XREF_COLUMNS = ["source", "source_record_id", "customer_id"]


def _connection() -> duckdb.DuckDBPyConnection:
    return scratch_cursor()  # in-memory, over Arrow tables registered on it


def xref_figures(path: Path) -> tuple[dict[str, int], pd.DataFrame, pa.Table]:
    """Records, customers, unlinked records, multi-record customers, the largest cluster and sources of the
    customer file, the cluster-size table (`customer_id, size`, by customer_id) and the file's key columns (Arrow,
    for `agreeing_matches`)."""
    xref = open_parquet(path).read(columns=XREF_COLUMNS)
    with _connection() as con:
        con.register("xref", xref)
        sizes = con.execute(
            "select customer_id, count(*) as size from xref where customer_id is not null "
            "group by customer_id order by customer_id"
        ).df()
        records, unlinked, sources = con.execute(
            "select count(*), count(*) filter (where customer_id is null), count(distinct source) from xref"
        ).fetchone()
    figures = {
        "records": int(records),
        "customers": len(sizes),
        "unlinked_records": int(unlinked),  # no identifier: no customer
        "multi_record_customers": int((sizes["size"] > 1).sum()),
        "largest_cluster": int(sizes["size"].max()) if len(sizes) else 0,
        "sources": int(sources),
    }
    sizes["size"] = sizes["size"].astype("int64")
    return figures, sizes, xref


def pair_counts(pairs: pa.Table) -> dict[str, int]:
    """Pairs in all and by decision."""
    with _connection() as con:
        con.register("pairs", pairs.select(["decision"]))
        counts = dict(con.execute("select decision, count(*) from pairs group by decision").fetchall())
    return {
        "pairs": pairs.num_rows,
        "matches": int(counts.get("match", 0)),
        "review": int(counts.get("review", 0)),
        "non_matches": int(counts.get("non_match", 0)),
    }


def match_weights(pairs: pa.Table) -> pd.DataFrame:
    """`match_weight, decision` of every pair (the histogram's input), decision as a categorical."""
    weights = pairs.column("match_weight").to_numpy(zero_copy_only=False)
    decision = pairs.column("decision").dictionary_encode().to_pandas()
    return pd.DataFrame({"match_weight": weights.astype(float, copy=False), "decision": decision})


def _ranked_candidates(pairs: pa.Table, min_probability: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The confident matches ordered by pair of sources, then match weight (strongest first, missing last), then
    position in `pairs`: their positions, their group (pair of sources: 0, 1, … in that order) and rank in it.
    Numbers only: no identifier leaves Arrow."""
    probability = pairs.column("match_probability").to_numpy(zero_copy_only=False).astype(float, copy=False)
    is_match = pc.fill_null(pc.equal(pairs.column("decision"), "match"), False).to_numpy(zero_copy_only=False)
    rows = np.flatnonzero(is_match & (probability >= min_probability))  # NaN probability: never confident
    picked = pairs.select(["source_l", "source_r", "match_weight"]).take(pa.array(rows))
    sources = pc.binary_join_element_wise(
        pc.fill_null(picked.column("source_l"), ""), pc.fill_null(picked.column("source_r"), ""), "\x1f"
    )
    codes = pc.dictionary_encode(sources).combine_chunks().indices.to_numpy(zero_copy_only=False)
    weight = picked.column("match_weight").to_numpy(zero_copy_only=False).astype(float, copy=False)
    missing = np.isnan(weight)  # null or NaN: last, as pandas sorts them
    order = np.lexsort((rows, -np.where(missing, 0.0, weight), missing, codes))
    codes = codes[order]
    boundary = np.r_[True, codes[1:] != codes[:-1]] if len(codes) else np.zeros(0, dtype=bool)
    group = np.cumsum(boundary) - 1
    rank = np.arange(len(group)) - np.flatnonzero(boundary)[group]
    return rows[order], group, rank


def agreeing_matches(
    pairs: pa.Table, xref: pa.Table, min_probability: float, per_sources: int
) -> pd.DataFrame:
    """The pairs decided `match` with probability ≥ `min_probability` whose two records ended in one customer
    (`xref`), the `per_sources` strongest of each pair of sources (match weight, then order in the file), in their
    order in match_pairs: all `example_matches` can pick from.

    Only the first `depth` candidates of each pair of sources are looked up in the customer file, `depth` growing
    until every pair of sources gave `per_sources` or ran out (as `example_matches` does)."""
    rows, group, rank = _ranked_candidates(pairs, min_probability)
    sizes = np.bincount(group)
    depth = 4 * per_sources
    while True:
        head = np.flatnonzero(rank < depth)  # positions in the ranked order
        candidates = pairs.take(pa.array(rows[head]))
        left, right = _customers(xref, candidates)
        same = pc.fill_null(pc.equal(left, right), False).to_numpy(zero_copy_only=False)
        agreeing = head[same]  # ascending: by group, then rank
        counts = np.bincount(group[agreeing], minlength=len(sizes))
        if not ((counts < per_sources) & (sizes >= depth)).any():
            break
        depth *= 4
    turn = np.arange(len(agreeing)) - np.searchsorted(group[agreeing], group[agreeing], side="left")
    picks = np.sort(rows[agreeing[turn < per_sources]])
    return pairs.take(pa.array(picks, type=pa.int64())).to_pandas()


def _customers(xref: pa.Table, candidates: pa.Table) -> tuple[pa.Array, pa.Array]:
    """The customer_id of each candidate's left and right record (null when the customer file has no such
    record): looked up among the customer file's records carrying one of the candidates' ids, not all ~540k
    (the first record of a key wins, as in the whole file: the rows keep their order, and every row whose key
    is null stays, since a null key matches one)."""
    ids = pc.unique(
        pa.chunked_array(
            [c for s in ("l", "r") for c in pc.cast(candidates.column(f"id_{s}"), pa.string()).chunks],
            type=pa.string(),  # typed: no candidate (no chunk) is an empty string array, not a null-typed one
        )
    )
    record_id = pc.cast(xref.column("source_record_id"), pa.string())
    null_key = pc.or_(pc.is_null(xref.column("source")), pc.is_null(record_id))
    near = xref.filter(pc.or_(pc.fill_null(pc.is_in(record_id, value_set=ids), False), null_key))
    lookup, customers = _record_keys(near, "source", "source_record_id"), near.column("customer_id")
    left, right = (
        pc.take(customers, pc.index_in(_record_keys(candidates, f"source_{s}", f"id_{s}"), lookup))
        for s in ("l", "r")
    )
    return left, right


def _record_keys(table: pa.Table, source: str, record_id: str) -> pa.ChunkedArray:
    """`source` and `record id` as one key per row (NULL when either is)."""
    return pc.binary_join_element_wise(
        pc.cast(table.column(source), pa.string()), pc.cast(table.column(record_id), pa.string()), "\x1f"
    )
