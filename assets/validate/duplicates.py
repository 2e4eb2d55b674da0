"""Repeats within one raw file, found by DuckDB out of core in one scan:

- exact copies: rows whose every field (canonical columns and `_extra`) equals an earlier row's. The first
  loads, each copy is quarantined as `duplicate_row` (a vendor exporting a row twice is not a key conflict);
- key conflicts: primary keys carried by rows that differ in content (both versions are quarantined).

Rows are compared by a 64-bit hash of all their fields (a false match needs a hash collision: ~1e-8 for a
million rows).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
import pyarrow as pa

LINEAGE_ONLY = ("_source", "_file", "_line", "_loaded_at", "_file_sha256", "_run_date")


@dataclass(frozen=True)
class FileDuplicates:
    key_conflicts: frozenset = frozenset()  # key text (parts joined by \x1f) repeated with different content
    copies: dict[int, int] = field(default_factory=dict)  # _line of a copy -> _line of the row it repeats


def content_columns(names: list[str]) -> list[str]:
    return [n for n in names if n not in LINEAGE_ONLY]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def find_duplicates(rows: pa.RecordBatchReader | pa.Table, pk: list[str]) -> FileDuplicates:
    """`rows`: `_line`, the content columns and the key columns of one file (streamed)."""
    names = rows.schema.names
    content = content_columns(names)
    if not content or "_line" not in names:
        return FileDuplicates()
    parts = [f"coalesce({_quote(c)}, '')" for c in pk]
    all_empty = " and ".join(p + " = ''" for p in parts)
    key = f"case when {all_empty} then '' else concat_ws(chr(31), {', '.join(parts)}) end" if pk else "''"
    with duckdb.connect() as con:
        con.execute("set memory_limit = '256MB'")
        con.register("raw_rows", rows)
        con.execute(
            f"create temp table h as select _line, hash({', '.join(map(_quote, content))}) as hv, {key} as k"
            " from raw_rows"
        )
        copies = con.execute(
            "select _line, first from (select _line, min(_line) over (partition by hv) as first from h)"
            " where _line <> first"
        ).fetchall()
        conflicts = (
            con.execute("select k from h where k <> '' group by k having count(distinct hv) > 1").fetchall()
            if pk
            else []
        )
    return FileDuplicates(frozenset(r[0] for r in conflicts), {int(a): int(b) for a, b in copies})
