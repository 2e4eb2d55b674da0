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

from linkage.encode import EncodedRecords, ListColumn, _csr, encode_records, ranges


def columns_of(records: EncodedRecords) -> tuple[list[str], list[str]]:
    """The scalar and the list columns an encoding holds."""
    return sorted(records.scalars), sorted(records.lists)


def take_rows(
    records: EncodedRecords, rows: np.ndarray, then: EncodedRecords | None = None
) -> EncodedRecords:
    """Records `rows` of an encoding, in that order (same vocabulary); with `then` (an encoding of the same
    columns with the vocabulary that extends records'): rows >= records.n are then's rows - records.n, and
    the result has then's vocabulary. Each array gathered once from records' (then's few rows patched in),
    not joined, then gathered."""
    theirs = np.flatnonzero(rows >= records.n) if then is not None else np.empty(0, dtype=np.int64)
    mine_rows = rows.copy()
    mine_rows[theirs] = 0  # a placeholder, patched with then's row
    their_rows = rows[theirs] - records.n

    def by_row(mine: np.ndarray, other: np.ndarray | None) -> np.ndarray:
        if other is None or not len(theirs):
            return mine[rows]
        if len(theirs) == len(rows):  # every row is then's
            return other[their_rows]
        out = mine[mine_rows].astype(np.result_type(mine, other), copy=False)
        out[theirs] = other[their_rows]
        return out

    lists = {}
    for name, col in records.lists.items():
        other = then.lists[name] if then is not None else None
        lengths = by_row(col.lengths, None if other is None else other.lengths)
        offsets = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        start = by_row(col.offsets[:-1], None if other is None else other.offsets[:-1])
        at = ranges(start, lengths)
        if other is None or not len(theirs):
            lists[name] = ListColumn(offsets, col.codes[at])
            continue
        from_then = np.zeros(len(rows), dtype=bool)
        from_then[theirs] = True
        patch = np.flatnonzero(np.repeat(from_then, lengths))  # then's entries
        at_mine = at.copy()
        at_mine[patch] = 0
        kind = np.result_type(col.codes, other.codes)
        codes = col.codes[at_mine].astype(kind, copy=False) if len(col.codes) else np.zeros(len(at), kind)
        codes[patch] = other.codes[at[patch]]
        lists[name] = ListColumn(offsets, codes)
    scalars = {
        name: by_row(codes, None if then is None else then.scalars[name])
        for name, codes in records.scalars.items()
    }
    source = by_row(records.source, None if then is None else then.source)
    vocab = then.vocab if then is not None else records.vocab
    return EncodedRecords(len(rows), source, vocab, scalars, lists)


def encode_onto(vocab: np.ndarray, rows: pd.DataFrame, columns: set[str] | None) -> EncodedRecords:
    """`rows` (prepared) encoded with `vocab`'s codes, the values it lacks appended to it (a new vocabulary:
    `vocab` is not changed)."""
    own = encode_records(rows, columns)
    # the night's few values looked up by scanning the vocabulary against them: no hash table of every
    # value of the file (the vocabulary's values are distinct)
    at = pd.Index(own.vocab).get_indexer(vocab)
    held = np.flatnonzero(at >= 0)
    known = np.full(len(own.vocab), -1, dtype=np.int64)
    known[at[held]] = held
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
    return take_rows(stored, rows, then=own)
