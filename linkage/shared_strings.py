"""One Python string per distinct value in a frame's text columns, instead of one per cell.

A frame read from Parquet through DuckDB (`.df()`) holds a new `str` object in every cell, and a new array in
every list cell: at 540k person records that is about a gigabyte, most of it the same few thousand cities,
countries, phone types and sources again and again. `share_strings` replaces each text column's cells with
references to one object per distinct value (a list column's cells become lists of shared strings): the same
values, the same types, the same missing values (None stays None, NaN stays NaN), so everything that reads
the frame sees what it saw before (digests, fingerprints, outputs), in a fraction of the memory.
"""

from __future__ import annotations

from itertools import chain

import numpy as np
import pandas as pd

_LIST_TYPES = (list, tuple, np.ndarray)


def share_strings(frame: pd.DataFrame, distinct: tuple[str, ...] = ()) -> pd.DataFrame:
    """`frame` with every object column of strings (or of lists of strings) sharing one object per value;
    other columns (numbers, times, mixed types) as they are. `distinct`: list columns whose cells also lose
    their missing values and repeats (first occurrence kept; a missing cell becomes [], a lone string [it]).
    Replaces the columns in place, returns `frame`."""
    for name in [c for c in frame.columns if pd.api.types.is_object_dtype(frame[c])]:
        values = frame[name].to_numpy()
        if name in distinct:
            values = np.array([_as_list(v) for v in values] + [None], dtype=object)[:-1]  # cells stay lists
            frame[name] = _shared_lists(values, distinct=True) or [_distinct(v) for v in values]
            continue
        first = next((v for v in values if v is not None and not _is_nan(v)), None)
        shared = _shared_lists(values) if isinstance(first, _LIST_TYPES) else _interned(values)
        if shared is not None:
            frame[name] = shared
    return frame


def _is_nan(value: object) -> bool:
    return isinstance(value, float) and value != value


def _as_list(value: object) -> object:
    if isinstance(value, str):
        return [value]
    return value if isinstance(value, _LIST_TYPES) else []


def _distinct(values: object) -> list:
    """A cell's values without missing ones and repeats, in their order."""
    out = [v for v in values if v is not None and v == v]
    return out if len(set(out)) == len(out) else list(dict.fromkeys(out))


def _interned(values: np.ndarray) -> np.ndarray | None:
    """`values` (object) with each string replaced by the first object of its value; None when anything but
    str and missing values is there (factorize would equate 1, 1.0 and True)."""
    if pd.api.types.infer_dtype(values, skipna=True) not in ("string", "empty"):
        return None
    codes, uniques = pd.factorize(values)
    out = values.copy()  # missing cells keep their own marker (None, NaN, NA)
    present = codes >= 0
    out[present] = np.asarray(uniques, dtype=object)[codes[present]]
    return out


def _shared_lists(values: np.ndarray, distinct: bool = False) -> list | None:
    """Cells that are lists / arrays of strings → lists of shared strings (with `distinct`, without missing
    values and repeats); other cells (missing) as they are. None when a list holds anything but strings."""
    is_list = np.fromiter((isinstance(v, _LIST_TYPES) for v in values), dtype=bool, count=len(values))
    cells = values[is_list]
    lengths = np.fromiter(map(len, cells), dtype=np.int64, count=len(cells))
    flat = np.fromiter(chain.from_iterable(cells), dtype=object, count=int(lengths.sum()))
    if pd.api.types.infer_dtype(flat, skipna=True) not in ("string", "empty"):
        return None
    codes, uniques = pd.factorize(flat)
    shared = flat.copy()
    present = codes >= 0
    shared[present] = np.asarray(uniques, dtype=object)[codes[present]]
    if distinct:
        owner = np.repeat(np.arange(len(cells), dtype=np.int64), lengths)
        keep = present & ~pd.Series(owner * (len(uniques) + 1) + codes).duplicated().to_numpy()
        shared = shared[keep]
        lengths = np.bincount(owner[keep], minlength=len(cells))
    items = shared.tolist()
    ends = np.cumsum(lengths).tolist()
    lists = iter([items[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True)])
    return [next(lists) if ok else v for v, ok in zip(values.tolist(), is_list.tolist(), strict=True)]
