"""An incremental night's pairs table in Arrow: last run's match_pairs as read, its pairs of the records the
night did not link again kept, the night's pairs added, sorted by descending weight as row numbers, written a
batch of rows at a time (OrderedPairs).

Last run's pairs are the file's (~1M rows x 33 columns at 540k records) and a night changes a few: converted
to pandas, carried and converted back, they cost seconds every night; in Arrow they are filtered, joined and
sorted without a Python object per string. Only the night's pairs and last run's reference pairs go through
pandas. Where pandas would give another table (the night's columns of another type or order, a missing
weight) the caller joins them in pandas instead (incremental._carry_pairs).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from linkage.constraints import _SEP, record_key

WEIGHT = "match_weight"
SIDES = {side: (f"source_{side}", f"id_{side}") for side in ("l", "r")}


def record_index(source: pd.Series | np.ndarray, record_id: pd.Series | np.ndarray) -> pd.Index:
    """(source, record id) pairs as the file's record keys."""
    return pd.Index(record_key(pd.Series(source, dtype=object), pd.Series(record_id, dtype=object)))


def key_ids(keys: pd.Index) -> np.ndarray:
    """The distinct record ids of record keys."""
    return pd.unique(np.array([key.partition(_SEP)[2] for key in keys.tolist()], dtype=object))


def strings_in(values: np.ndarray | pd.Series, wanted: np.ndarray) -> np.ndarray:
    """Per value, as a string (as `astype(str)` writes it): whether it is one of `wanted` (a few strings). Each
    value is probed in a Python set: ~6x faster than `Series.isin` over the file's ~540k record ids, whose
    hash table probe cost ~0.2 s per call at 150k customers."""
    found = set(wanted.tolist())
    strings = pd.Series(values, dtype=object).astype(str).to_numpy()
    return np.fromiter(map(found.__contains__, strings), dtype=bool, count=len(strings))


def holding(source: np.ndarray, ids: np.ndarray, keys: pd.Index) -> np.ndarray:
    """Per (source, record id): whether it is one of `keys` (a few of the file's): record ids looked up
    first, the full key built only where the id matches."""
    maybe = strings_in(ids, key_ids(keys))
    out = np.zeros(len(ids), dtype=bool)
    out[maybe] = record_index(source[maybe], ids[maybe]).isin(keys)
    return out


def rows_of(source: np.ndarray, ids: np.ndarray, keys: pd.Index) -> np.ndarray:
    """The row of each of `keys` (a few record keys) among the (source, record id) rows, each key on one row
    at most (-1: none): record ids looked up first, the full keys built only for the rows whose id matches,
    so no hash table of the file's keys is built for a few."""
    rows = np.flatnonzero(strings_in(ids, key_ids(keys)))
    found = record_index(source[rows], ids[rows]).get_indexer(keys)
    return np.where(found >= 0, rows[found] if len(rows) else found, -1)


def named_in_table(pairs: pa.Table, side: str, keys: pd.Index) -> np.ndarray:
    """holding() for the `side` record of each pair of an Arrow table: ids looked up in Arrow, the few rows
    whose id matches read out as Python strings."""
    source, ids = (pairs.column(name) for name in SIDES[side])
    found = pc.is_in(ids, value_set=pa.array(key_ids(keys), pa.string()))
    rows = np.flatnonzero(pc.fill_null(found, False).to_numpy(zero_copy_only=False))
    out = np.zeros(pairs.num_rows, dtype=bool)
    values = [column.take(rows).to_numpy(zero_copy_only=False) for column in (source, ids)]
    out[rows] = record_index(*values).isin(keys)
    return out


BATCH_ROWS = 131_072


@dataclass(frozen=True)
class OrderedPairs:
    """The rows of `table` in the order of `rows`, not gathered: a consumer takes the rows it reads, the file is
    written a batch of rows at a time (one gather of a night's ~1M pairs x 33 columns, then its write, costs
    ~0.4 s more CPU and ~200 MB at 540k records: 39k runs of kept rows, too many to write as slices)."""

    table: pa.Table
    rows: np.ndarray

    @property
    def schema(self) -> pa.Schema:
        return self.table.schema

    @property
    def column_names(self) -> list[str]:
        return self.table.column_names

    @property
    def num_rows(self) -> int:
        return len(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def take(self, rows: np.ndarray) -> pa.Table:
        """Rows `rows` of the ordered pairs."""
        return self.table.take(self.rows[rows])

    def column(self, name: str) -> pa.ChunkedArray:
        return self.table.column(name).take(self.rows)

    def batches(self) -> Iterator[pa.Table]:
        """The ordered pairs, BATCH_ROWS rows at a time."""
        size = BATCH_ROWS
        for start in range(0, len(self.rows), size):
            yield self.take(np.arange(start, min(start + size, len(self.rows))))

    def to_table(self) -> pa.Table:
        return self.table.take(self.rows)

    def to_pandas(self) -> pd.DataFrame:
        return self.to_table().to_pandas()


def carried_table(previous: pa.Table, drop: pd.Index, night: pd.DataFrame) -> OrderedPairs | None:
    """`previous`' pairs of no record of `drop`, then the night's, sorted by descending weight (stable), as
    pandas sorts them, not gathered (OrderedPairs); None where pandas would join them otherwise (the night's
    columns of another type or order, record ids not strings, a weight missing)."""
    if any(not pa.types.is_string(previous.schema.field(i).type) or previous.column(i).null_count
           for _, i in SIDES.values()):  # fmt: skip
        return None  # pandas reads them as str(None) or numbers
    added = pa.Table.from_pandas(night, preserve_index=False) if len(night) else None
    if added is not None and not added.schema.equals(previous.schema, check_metadata=True):
        return None
    if not pa.types.is_floating(previous.schema.field(WEIGHT).type):
        return None
    rows = np.flatnonzero(~named_in_table(previous, "l", drop) & ~named_in_table(previous, "r", drop))
    tables = [previous] if added is None else [previous, added]
    rows = np.r_[rows, previous.num_rows + np.arange(0 if added is None else added.num_rows)]
    weight = np.concatenate([table.column(WEIGHT).to_numpy() for table in tables])[rows]
    if np.isnan(weight).any():
        return None  # pandas puts them last either way
    return OrderedPairs(pa.concat_tables(tables), rows[np.argsort(-weight, kind="stable")])


def decided_as(pairs: pa.Table | OrderedPairs, decision: str) -> np.ndarray:
    """Per pair, in order: whether its decision is `decision` (a missing one is none), compared in Arrow
    (~1M pairs: no Python string per pair); the pairs of an OrderedPairs are not gathered first."""
    table = pairs.table if isinstance(pairs, OrderedPairs) else pairs
    found = pc.fill_null(pc.equal(table.column("decision"), decision), False).to_numpy(zero_copy_only=False)
    return found[pairs.rows] if isinstance(pairs, OrderedPairs) else found


def review_rows(pairs: pd.DataFrame | pa.Table | OrderedPairs) -> pd.DataFrame | pa.Table | OrderedPairs:
    """The pairs whose decision is review, in their order; of pairs in order not gathered, those rows not
    gathered either (written with the pairs, assets/link/io.py, they are taken from the batches written)."""
    if isinstance(pairs, OrderedPairs):
        return OrderedPairs(pairs.table, pairs.rows[decided_as(pairs, "review")])
    if isinstance(pairs, pa.Table):
        return pairs.filter(decided_as(pairs, "review"))
    return pairs[pairs["decision"] == "review"].reset_index(drop=True)


def reference_rows(pairs: pd.DataFrame | pa.Table) -> pd.DataFrame:
    """The keys of the pairs whose note says a reference joined them (last run's, ~1M pairs: their notes
    are a few distinct ones)."""
    columns = [name for side in SIDES.values() for name in side]
    if isinstance(pairs, pa.Table):
        note = pc.cast(pairs.column("note"), pa.string())
        referring = pc.fill_null(pc.starts_with(note, "reference"), False)
        return pairs.select(columns).filter(referring).to_pandas()
    notes, distinct = pd.factorize(pairs["note"].to_numpy(dtype=object))
    referring = np.array([str(v).startswith("reference") for v in distinct], dtype=bool)
    return pairs[referring[notes] & (notes >= 0)] if len(distinct) else pairs.iloc[:0]
