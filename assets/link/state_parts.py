"""The state's record tables (digests, prepared records) as parts: a whole table, then the rows of the nights
since, each night's rows replacing the earlier rows of the same records.

A night that read only its new records (assets/link/night_records.py) leaves every other record of the state
as it was: it writes only its own rows as a new part and names the earlier parts again where they are,
instead of rewriting every record of the file; the term frequencies, which only a fit changes, are named
again as they are. After MAX_PARTS parts, or once the nights' rows reach COMPACT_SHARE of the first part,
the night writes the whole table again.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import numpy as np
import pandas as pd

from assets.link.table_reads import read_table
from linkage.arrow_columns import arrow_frame
from linkage.pair_table import strings_in
from linkage.prepare import merged_with_origin

KEYS = ["source", "source_record_id"]
MAX_PARTS = 8
COMPACT_SHARE = 0.25

Part = dict[str, object]  # {"file": name in the state folder, "rows": its row count}


def record_keys(frame: pd.DataFrame) -> pd.MultiIndex:
    """(source, source_record_id) of each row, as strings."""
    return pd.MultiIndex.from_arrays([frame[k].astype(str).to_numpy(dtype=object) for k in KEYS])


def read_parts(folder: Path, parts: list[Part]) -> pd.DataFrame:
    """The table the parts make: the rows of a later part replace the earlier rows of the same records; the
    earlier rows left come first, in order, then the later part's (as a night held them: its records last).
    Parts each in record order (the prepared records) are read by read_ordered_parts."""
    table = _read(folder / str(parts[0]["file"]))
    for part in parts[1:]:
        rows = _read(folder / str(part["file"]))
        table = pd.concat([table[~among(table, rows)], rows], ignore_index=True)
    return table


def read_ordered_parts(
    folder: Path, parts: list[Part], objects: Collection[str] | None = None
) -> tuple[pd.DataFrame, np.ndarray]:
    """read_parts of parts each in record order (the prepared records): the table in record order, each
    part's rows put in place (the next night does not sort every stored record again); and the row of the
    parts, one after the other, each of its rows comes from (the stored encoding's parts, whose rows are the
    parts', are put in the same order: assets/link/state_encoding.py). `objects`: the string and list
    columns read as Python objects, the others kept Arrow-backed (linkage/arrow_columns.py); None: all."""
    table = _read(folder / str(parts[0]["file"]), objects)
    origin, read = np.arange(len(table), dtype=np.int64), len(table)
    for part in parts[1:]:
        rows = _read(folder / str(part["file"]), objects)
        table, at = merged_with_origin(table, rows, keep=~among(table, rows))
        del table["rid"]  # its own block: dropped without copying the other columns (drop() copies them)
        origin, read = np.r_[origin, read + np.arange(len(rows))][at], read + len(rows)
    return table, origin


def _read(path: Path, objects: Collection[str] | None = None) -> pd.DataFrame:
    """A state table, one Python string per distinct value of a column (a city, a source, a birth year repeat
    over hundreds of thousands of records: the prepared records take ~40% less memory so), but the record
    ids, which are distinct; `objects` as read_ordered_parts takes it."""
    table = read_table(path)
    return arrow_frame(table, table.column_names if objects is None else objects, unique=KEYS[1:])


def among(table: pd.DataFrame, keys: pd.DataFrame) -> np.ndarray:
    """Per row of `table`: whether `keys` (a night's few records) holds its (source, source_record_id); the
    whole key is built only for the rows whose id one of them has."""
    ids = pd.unique(keys["source_record_id"].astype(str))
    maybe = np.flatnonzero(strings_in(table["source_record_id"], ids))
    out = np.zeros(len(table), dtype=bool)
    out[maybe] = record_keys(table.iloc[maybe]).isin(record_keys(keys))
    return out


def appendable(parts: list[Part], rows: int) -> bool:
    """Whether a night's `rows` go on as one more part (else the whole table is written again)."""
    appended = sum(int(p["rows"]) for p in parts[1:]) + rows  # type: ignore[call-overload]
    return len(parts) < MAX_PARTS and appended <= COMPACT_SHARE * max(int(parts[0]["rows"]), 1)  # type: ignore[call-overload]
