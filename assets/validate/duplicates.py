"""Repeats within one raw file:

- exact copies: rows whose every field (canonical columns and `_extra`) equals an earlier row's. The first
  loads, each copy is quarantined as `duplicate_row` (a vendor exporting a row twice is not a key conflict).
  Found batch by batch (`CopyFinder`) on the batches validation decodes anyway: a 64-bit DuckDB hash per row,
  numpy set operations against the hashes seen so far;
- key conflicts: primary keys carried by rows that differ in content (all versions are quarantined). DuckDB
  scans the key columns out of core; only when a key repeats does it read the rest to tell copies from conflicts.

Rows are compared by a 64-bit hash of all their fields (a false match needs a hash collision: ~1e-8 for a
million rows).
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb
import numpy as np
import pyarrow as pa

from assets.scratch_duckdb import scratch_cursor

LINEAGE_ONLY = ("_source", "_file", "_line", "_loaded_at", "_file_sha256", "_run_date")


def content_columns(names: list[str]) -> list[str]:
    return [n for n in names if n not in LINEAGE_ONLY]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _key_sql(pk: list[str]) -> str:
    """One text per row for a (possibly composite) key; '' when every part is empty."""
    parts = [f"coalesce({_quote(c)}, '')" for c in pk]
    all_empty = " and ".join(p + " = ''" for p in parts)
    return f"case when {all_empty} then '' else concat_ws(chr(31), {', '.join(parts)}) end"


def _row_hash_sql(names: list[str]) -> str:
    return f"hash({', '.join(map(_quote, content_columns(names)))})"


def key_conflicts(
    rows: Callable[[list[str]], pa.RecordBatchReader], names: list[str], pk: list[str]
) -> frozenset:
    """Keys repeated with different content. `rows(columns)` streams those columns of the file."""
    pk = [c for c in pk if c in names]
    if not pk:
        return frozenset()
    with scratch_cursor() as con:  # room bounded: a big file's keys spill
        con.register("raw_keys", rows(pk))
        repeated = con.execute(
            f"select k from (select {_key_sql(pk)} as k from raw_keys) where k <> '' group by k having count(*) > 1"
        ).fetchall()
        if not repeated:
            return frozenset()  # the usual case: the key columns were all we read
        con.register("raw_rows", rows(content_columns(names)))
        con.register("repeated", pa.table({"k": [r[0] for r in repeated]}))
        conflicts = con.execute(
            f"select k from (select {_key_sql(pk)} as k, {_row_hash_sql(names)} as hv from raw_rows)"
            " semi join repeated using (k) group by k having count(distinct hv) > 1"
        ).fetchall()
    return frozenset(r[0] for r in conflicts)


class CopyFinder:
    """Exact copies of earlier rows, fed the file's batches in line order."""

    def __init__(self) -> None:
        self.hashes = np.zeros(0, dtype=np.uint64)  # sorted hashes of the rows seen so far
        self.first = np.zeros(0, dtype=np.int64)  # `_line` of the first row of each hash
        self.con: duckdb.DuckDBPyConnection | None = None  # one cursor per file

    def close(self) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None

    def copies(self, batch: pa.Table) -> dict[int, int]:
        """`_line` of each copy in `batch` -> `_line` of the row it repeats."""
        if batch.num_rows == 0:
            return {}
        if self.con is None:
            self.con = scratch_cursor()
        self.con.register("batch", batch)
        hashed = self.con.execute(f"select {_row_hash_sql(batch.column_names)} as hv from batch")
        hv = hashed.fetch_arrow_table().column(0).to_numpy().astype(np.uint64, copy=False)
        self.con.unregister("batch")
        lines = batch.column("_line").to_numpy().astype(np.int64)
        uniq, first_at, inverse = np.unique(hv, return_index=True, return_inverse=True)
        firsts = lines[first_at]
        seen = np.zeros(len(uniq), dtype=bool)
        if len(self.hashes):
            pos = np.minimum(np.searchsorted(self.hashes, uniq), len(self.hashes) - 1)
            seen = self.hashes[pos] == uniq
            firsts = np.where(seen, self.first[pos], firsts)
        origin = firsts[inverse]
        is_copy = origin != lines
        fresh = ~seen
        if fresh.any():
            merged = np.concatenate([self.hashes, uniq[fresh]])
            order = np.argsort(merged, kind="stable")
            self.hashes = merged[order]
            self.first = np.concatenate([self.first, lines[first_at][fresh]])[order]
        return dict(zip(lines[is_copy].tolist(), origin[is_copy].tolist(), strict=True))
