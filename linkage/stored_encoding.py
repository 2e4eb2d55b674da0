"""The stored record table's integer encoding (linkage/encode.py), kept in the linkage state beside the prepared
records: a night encodes only its own prepared rows against the stored vocabulary (the values it has not seen
appended) and takes every other record's codes as stored, instead of encoding every record of the file again.

Codes differ from a fresh encoding's (a value's code is where it entered the vocabulary, and values no record
holds any more stay until the next full run), but no stage reads a code's number: they compare codes for
equality, count records per code and read the code's string.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from linkage.encode import EncodedRecords, ListColumn, _csr, encode_records


def columns_of(records: EncodedRecords) -> tuple[list[str], list[str]]:
    """The scalar and the list columns an encoding holds."""
    return sorted(records.scalars), sorted(records.lists)


def take_rows(records: EncodedRecords, rows: np.ndarray) -> EncodedRecords:
    """Records `rows` of an encoding, in that order (same vocabulary)."""
    lists = {}
    for name, col in records.lists.items():
        lengths = col.lengths[rows]
        offsets = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        at = np.repeat(col.offsets[rows] - offsets[:-1], lengths) + np.arange(offsets[-1], dtype=np.int64)
        lists[name] = ListColumn(offsets, col.codes[at])
    scalars = {name: codes[rows] for name, codes in records.scalars.items()}
    return EncodedRecords(len(rows), records.source[rows], records.vocab, scalars, lists)


def _stacked(a: EncodedRecords, b: EncodedRecords) -> EncodedRecords:
    """b's records after a's (the same vocabulary, b's)."""
    lists = {
        name: ListColumn(
            np.concatenate([col.offsets, b.lists[name].offsets[1:] + col.offsets[-1]]),
            np.concatenate([col.codes, b.lists[name].codes]),
        )
        for name, col in a.lists.items()
    }
    scalars = {name: np.concatenate([codes, b.scalars[name]]) for name, codes in a.scalars.items()}
    return EncodedRecords(a.n + b.n, np.concatenate([a.source, b.source]), b.vocab, scalars, lists)


def encode_onto(vocab: np.ndarray, rows: pd.DataFrame, columns: set[str] | None) -> EncodedRecords:
    """`rows` (prepared) encoded with `vocab`'s codes, the values it lacks appended to it (a new vocabulary:
    `vocab` is not changed)."""
    own = encode_records(rows, columns)
    known = pd.Index(vocab).get_indexer(own.vocab)
    new = known < 0
    known[new] = len(vocab) + np.arange(int(new.sum()))
    merged = np.concatenate([vocab, own.vocab[new]]) if new.any() else vocab

    def mapped(codes: np.ndarray) -> np.ndarray:
        return np.where(codes >= 0, known[codes], -1)

    lists = {name: _csr(col.rids(), mapped(col.codes), own.n) for name, col in own.lists.items()}
    scalars = {name: mapped(codes) for name, codes in own.scalars.items()}
    return EncodedRecords(own.n, mapped(own.source), merged, scalars, lists)


def extended_encoding(
    stored: EncodedRecords, night: pd.DataFrame, rows: np.ndarray, columns: set[str] | None
) -> EncodedRecords | None:
    """The encoding of records `rows` of the stored records (`stored`, < stored.n) then the `night`'s prepared
    rows (stored.n + i): what encode_records gives for them but for the codes' numbers. None when the night's
    rows encode other columns than the stored ones (the caller encodes every record)."""
    own = encode_onto(stored.vocab, night, columns)
    if columns_of(own) != columns_of(stored):
        return None
    widened = EncodedRecords(stored.n, stored.source, own.vocab, stored.scalars, stored.lists)
    return take_rows(_stacked(widened, own), rows)
