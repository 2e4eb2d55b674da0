"""The record table as integer codes: one shared vocabulary, so any two columns compare as int arrays.

Blocking and comparisons work on these arrays (numpy, rapidfuzz) instead of strings: equality is an int
comparison, a list column is CSR (offsets + codes), and string similarity runs once per distinct value pair.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from itertools import chain, repeat

import numpy as np
import pandas as pd

from linkage.config import LIST_COLUMNS, SCALAR_COLUMNS


@dataclass
class ListColumn:
    """Values of record i are codes[offsets[i]:offsets[i+1]] (distinct, ascending)."""

    offsets: np.ndarray  # int64, n + 1
    codes: np.ndarray  # int64

    @cached_property
    def lengths(self) -> np.ndarray:
        """Values per record (computed once: an incremental night's closure rounds read it again and again;
        read-only, as `rids`)."""
        out = np.diff(self.offsets)
        out.flags.writeable = False
        return out

    def rids(self) -> np.ndarray:
        """The record of every entry of `codes` (read-only, built once per column)."""
        if "_rids" not in self.__dict__:
            out = np.repeat(np.arange(len(self.offsets) - 1, dtype=np.int64), self.lengths)
            out.flags.writeable = False
            self.__dict__["_rids"] = out
        return self.__dict__["_rids"]

    @cached_property
    def held(self) -> tuple[np.ndarray, int]:
        """(record · width + code) of every entry, ascending, and the width (largest code + 1): what
        compare.shared_values looks pairs up in, built once per column (an incremental night compares a few
        pairs, many rounds)."""
        width = int(self.codes.max()) + 1 if len(self.codes) else 1
        held = self.rids() * width + self.codes
        if len(held) > 1 and not (held[1:] > held[:-1]).all():
            held = np.sort(held)
        return held, width

    def __getstate__(self) -> dict:
        """Pickled without what is derived (`held`, `lengths`, `rids`)."""
        return {k: v for k, v in self.__dict__.items() if k not in ("held", "lengths", "_rids")}


@dataclass
class EncodedRecords:
    n: int
    source: np.ndarray  # int64 code of each record's source
    vocab: np.ndarray  # object array: code → string
    scalars: dict[str, np.ndarray]  # column → int64 codes, -1 where missing
    lists: dict[str, ListColumn]
    # column → (records holding each code's value, records holding any value), when these records are a
    # batch of a larger table (linkage/spark): term frequencies are the whole table's, not the batch's.
    value_counts: dict[str, tuple[np.ndarray, int]] = field(default_factory=dict)
    # what is derived from the codes once and read again (mapped_list's columns, an incremental night's block
    # keys): an incremental night blocks and compares several rounds of pairs over the same records
    cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __getstate__(self) -> dict:
        """Pickled (Spark broadcasts the table) without the cache: it is derived, and keyed by functions."""
        return {**self.__dict__, "cache": {}}

    def strings(self, codes: np.ndarray) -> np.ndarray:
        return self.vocab[codes]

    def mapped_list(self, column: str, fn: Callable[[str], str]) -> ListColumn:
        """The list column with `fn` applied to each distinct value (e.g. last 8 digits of a phone); computed
        once per column and function (an incremental night compares several rounds of pairs)."""
        if ("mapped", column, fn) not in self.cache:
            self.cache["mapped", column, fn] = self._map_list(column, fn)
        return self.cache["mapped", column, fn]

    def _map_list(self, column: str, fn: Callable[[str], str]) -> ListColumn:
        col = self.lists[column]
        used = sorted_unique(col.codes)
        mapped = pd.factorize(np.array([fn(v) for v in self.vocab[used]], dtype=object))[0]
        lookup = np.full(len(self.vocab), -1, dtype=np.int64)
        lookup[used] = mapped
        return _csr(col.rids(), lookup[col.codes], self.n)


def value_counts(records: EncodedRecords, column: str) -> tuple[np.ndarray, int]:
    """Records holding each value (indexed by code) of a scalar or list column, and records holding any."""
    if column in records.value_counts:
        return records.value_counts[column]
    if ("counts", column) not in records.cache:  # counted once (an incremental night's rounds ask again)
        if column in records.lists:
            col = records.lists[column]
            counts = np.bincount(col.codes, minlength=len(records.vocab)), int((col.lengths > 0).sum())
        else:
            codes = records.scalars[column]
            present = codes >= 0
            counts = np.bincount(codes[present], minlength=len(records.vocab)), int(present.sum())
        records.cache["counts", column] = counts
    return records.cache["counts", column]


def holder_counts(records: EncodedRecords, column: str) -> np.ndarray:
    """Records holding each value (indexed by code) of list column `column` as they are now (whatever
    value_counts a stored model overrides), counted once."""
    if ("holders", column) not in records.cache:
        if column in records.lists:
            counts = np.bincount(records.lists[column].codes, minlength=len(records.vocab))
        else:
            counts = np.zeros(len(records.vocab), dtype=np.int64)
        counts.flags.writeable = False
        records.cache["holders", column] = counts
    return records.cache["holders", column]


def ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The positions start, start + 1, … start + length - 1 of each (start, length), one run after another."""
    offsets = np.cumsum(lengths) - lengths
    return np.repeat(starts - offsets, lengths) + np.arange(int(lengths.sum()), dtype=np.int64)


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """np.unique without its hash path (much slower on large int64 arrays in numpy 2.4): non-negative
    integers of a range not much wider than their number (codes of a vocabulary) by a table of the values
    present, in one pass, the others sorted."""
    if values.dtype.kind in "iu" and len(values):
        low, high = int(values.min()), int(values.max())
        if low >= 0 and high < 2 * len(values) + 1024:
            present = np.zeros(high + 1, dtype=bool)
            present[values] = True
            return np.flatnonzero(present).astype(values.dtype, copy=False)
    out = np.sort(values)
    if len(out):
        out = out[np.r_[True, out[1:] != out[:-1]]]
    return out


def dense_labels(labels: np.ndarray) -> np.ndarray:
    """np.unique(labels, return_inverse=True)[1] for integer labels (each label's rank among the distinct
    ones), by a table of the labels instead of a sort when they are non-negative."""
    if not len(labels):
        return np.zeros(0, dtype=np.int64)
    if labels.min() < 0:
        return np.unique(labels, return_inverse=True)[1].astype(np.int64)
    present = np.zeros(int(labels.max()) + 1, dtype=np.int64)
    present[labels] = 1
    return (np.cumsum(present) - 1)[labels]


def in_sorted(values: np.ndarray, haystack: np.ndarray) -> np.ndarray:
    """np.isin(values, haystack) for a sorted `haystack`, by binary search (np.isin hashes both arrays)."""
    if not len(haystack):
        return np.zeros(len(values), dtype=bool)
    at = np.searchsorted(haystack, values).clip(max=len(haystack) - 1)
    return haystack[at] == values


def isin(values: np.ndarray, others: np.ndarray) -> np.ndarray:
    """np.isin on int arrays, by sorting `others` and binary search (faster than the hash path)."""
    return in_sorted(values, np.sort(others))


def _csr(rids: np.ndarray, codes: np.ndarray, n: int) -> ListColumn:
    """Distinct (rid, code) entries sorted by record then code, as a ListColumn."""
    keep = codes >= 0
    rids, codes = rids[keep], codes[keep]
    width = int(codes.max()) + 1 if len(codes) else 1
    keys = sorted_unique(rids * width + codes)
    rids, codes = keys // width, keys % width
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rids, minlength=n), out=offsets[1:])
    return ListColumn(offsets, codes)


def flat_values(values: list, size: int) -> np.ndarray:
    """The values of every list, in order, as one object array. Lists read back from Parquet are numpy arrays:
    concatenated in C (iterating each array element by element is what costs on a whole file)."""
    arrays = np.fromiter(map(isinstance, values, repeat(np.ndarray)), dtype=bool, count=len(values))
    if not size or not arrays.any():  # freshly prepared records: Python lists
        return np.fromiter(chain.from_iterable(values), dtype=object, count=size)
    if not arrays.all():  # stored rows and a night's prepared ones: the night's few lists made arrays
        values = list(values)
        for i in np.flatnonzero(~arrays).tolist():
            values[i] = np.fromiter(values[i], dtype=object, count=len(values[i]))
    return np.concatenate(values, dtype=object, casting="unsafe")


def encode_records(
    rec: pd.DataFrame, columns: set[str] | None = None, then: pd.DataFrame | None = None
) -> EncodedRecords:
    """Codes for `columns` (default: every scalar and list column) of the prepared record table; `then`:
    more prepared rows encoded after rec's, as if appended to it (the table is not copied to append them)."""
    frames = [rec] if then is None or not len(then) else [rec, then]
    n = sum(len(f) for f in frames)
    wanted = (SCALAR_COLUMNS | LIST_COLUMNS) if columns is None else columns
    scalar_names = [c for c in sorted(SCALAR_COLUMNS & wanted) if c in rec]
    list_names = [c for c in sorted(LIST_COLUMNS & wanted) if c in rec]

    def column(name: str) -> np.ndarray:
        return np.concatenate(
            [
                f[name].to_numpy(dtype=object, na_value=None) if name in f else np.full(len(f), None)
                for f in frames
            ]
        )

    parts: list[np.ndarray] = [column("source")]
    parts += [column(c) for c in scalar_names]
    lengths = {}
    for c in list_names:
        values = [v for f in frames for v in (f[c].tolist() if c in f else [[]] * len(f))]
        lengths[c] = np.fromiter(map(len, values), dtype=np.int64, count=n)
        parts.append(flat_values(values, int(lengths[c].sum())))
    flat = np.concatenate(parts) if parts else np.empty(0, dtype=object)
    if pd.api.types.infer_dtype(flat, skipna=True) not in ("string", "empty"):  # numbers in a list column
        flat = np.array([None if pd.isna(v) else str(v) for v in flat], dtype=object)
    codes, vocab = pd.factorize(flat, use_na_sentinel=True)
    codes = codes.astype(np.int64)
    codes[
        np.isin(codes, np.flatnonzero(vocab == ""))
    ] = -1  # an empty string is no value (as in blocking keys)
    source, at = codes[:n], n
    scalars = {}
    for c in scalar_names:
        scalars[c], at = codes[at : at + n], at + n
    lists = {}
    for c in list_names:
        size = int(lengths[c].sum())
        rids = np.repeat(np.arange(n, dtype=np.int64), lengths[c])
        lists[c], at = _csr(rids, codes[at : at + size], n), at + size
    return EncodedRecords(n, source, np.asarray(vocab, dtype=object), scalars, lists)


def expand(col: ListColumn, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(position in `rows`, code) for every value of every record in `rows`."""
    lengths = col.lengths[rows]
    owner = np.repeat(np.arange(len(rows), dtype=np.int64), lengths)
    starts = np.repeat(col.offsets[rows] - np.cumsum(lengths) + lengths, lengths)
    return owner, col.codes[starts + np.arange(len(owner), dtype=np.int64)]
