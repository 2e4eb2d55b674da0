"""Record-table columns kept in Arrow (pd.ArrowDtype) while no stage reads them as Python objects.

The stored prepared records are read back every night, but an incremental night reads only a few of their
columns for every record (the keys, what tells a record identifiable, the e-mails): the others are read
again only for the rows a night encodes afresh, and written back as they were. Those stay Arrow-backed (no
Python string or list per value); `as_objects` turns them into what prepare_columns makes (None for a missing
value, lists of strings) for the code that reads them.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def arrow_backed(frame: pd.DataFrame) -> list[str]:
    """The columns of `frame` held in Arrow."""
    return [str(c) for c, dtype in frame.dtypes.items() if isinstance(dtype, pd.ArrowDtype)]


def arrow_frame(table: pa.Table, objects: Iterable[str], unique: Iterable[str] = ()) -> pd.DataFrame:
    """`table` as a frame: its `objects` columns (and every column not of strings or lists) as pandas makes
    them, one Python string per distinct value (but `unique`'s, whose values are distinct: no table of them
    built); its other string and list columns Arrow-backed."""
    wanted, unique = set(objects), set(unique)
    frame = pd.DataFrame(index=pd.RangeIndex(table.num_rows))
    for name, column in zip(table.column_names, table.columns, strict=True):
        kind = column.type
        if name in wanted or not (pa.types.is_string(kind) or pa.types.is_list(kind)):
            frame[name] = column.to_pandas(deduplicate_objects=name not in unique)
        else:  # added one by one: a frame built from a dict of columns would copy them into one block
            frame[name] = pd.arrays.ArrowExtensionArray(column)
    return frame


def object_values(column: pd.Series) -> np.ndarray:
    """A column's values as prepare_columns holds them: an object array, None where missing, a list of
    strings per record for a list column."""
    if not isinstance(column.dtype, pd.ArrowDtype):
        return column.to_numpy()
    array = pa.chunked_array(column.array._pa_array).combine_chunks()
    if not pa.types.is_list(array.type):
        return array.to_numpy(zero_copy_only=False).astype(object, copy=False)
    offsets = array.offsets.to_numpy().tolist()
    flat = array.values.to_pandas(deduplicate_objects=True).tolist()
    out = np.fromiter((flat[a:b] for a, b in pairwise(offsets)), dtype=object, count=len(array))
    missing = array.is_null().to_numpy(zero_copy_only=False)
    out[missing] = None
    return out


def list_lengths(column: pd.Series) -> np.ndarray:
    """The length of each list of an Arrow-backed list column (0 for a missing list)."""
    lengths = pc.list_value_length(column.array._pa_array).fill_null(0)
    return lengths.to_numpy().astype(np.int64, copy=False)


def as_objects(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with its Arrow-backed columns as object columns (itself when it has none)."""
    backed = arrow_backed(frame)
    if not backed:
        return frame
    out = frame.copy(deep=False)
    for name in backed:
        out[name] = object_values(frame[name])
    return out


def inserted(
    stored: pd.Series, kept: np.ndarray, at: np.ndarray, rows: pd.Series
) -> pd.arrays.ArrowExtensionArray | np.ndarray:
    """np.insert(stored[kept], at, rows) for a column of the stored records: an Arrow-backed one gathered in
    Arrow (it stays Arrow-backed), any other as an object array."""
    if isinstance(stored.dtype, pd.ArrowDtype):
        chunks = pa.chunked_array(stored.array._pa_array)
        if not pa.types.is_null(chunks.type):
            # object: a column pandas holds as floats (no rows, or only missing values) is none of Arrow's lists
            values = object_values(rows).astype(object, copy=False)
            night = pa.array(values, type=chunks.type, from_pandas=True)
            taken = np.insert(kept, at, len(stored) + np.arange(len(rows)))
            both = pa.chunked_array([*chunks.chunks, night], type=chunks.type)  # taken from, not joined first
            return pd.arrays.ArrowExtensionArray(both.take(taken))
    return np.insert(object_values(stored)[kept], at, object_values(rows))


def arrow_table(frame: pd.DataFrame) -> pa.Table:
    """`frame` as an Arrow table without pandas' metadata (an Arrow-backed column's type named there is one
    pandas cannot read back): read back, its columns are what prepare_columns made."""
    return pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)
