"""Remove an erased person's rows from a stored file: zone Parquet files through the one door
(`assets/parquet_files.py`, so they stay encrypted when the key is set), delivered files (Parquet, CSV, XLSX)
as the plain bytes their consumers read."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from assets.link.state_encoding import drop_encoding
from assets.parquet_files import open_parquet, write_parquet_atomic
from assets.privacy.matching import ErasureMatcher


def _lookup(plain: bytes, fmt: str, matcher: ErasureMatcher) -> tuple[pa.Table | pd.DataFrame, pd.DataFrame]:
    """(the whole table, its columns the matcher reads) — Parquet reads only those columns for the lookup."""
    if fmt == "parquet":
        table = pq.read_table(io.BytesIO(plain))
        return table, _lookup_columns(table, matcher)
    reader = pd.read_csv if fmt == "csv" else pd.read_excel
    frame = reader(io.BytesIO(plain), dtype=str, keep_default_na=False)
    return frame, frame[matcher.relevant_columns(list(frame.columns))]


def _lookup_columns(table: pa.Table, matcher: ErasureMatcher) -> pd.DataFrame:
    return table.select(matcher.relevant_columns(table.column_names)).to_pandas()


def matched_rows(path: Path, matcher: ErasureMatcher) -> pd.DataFrame:
    """The matcher's lookup columns of the rows of a zone Parquet file that belong to an erased person."""
    source = open_parquet(path)
    lookup = source.read(columns=matcher.relevant_columns(source.schema_arrow.names)).to_pandas()
    return lookup.loc[matcher.match(lookup)]


def erase_from_zone_file(path: Path, matcher: ErasureMatcher) -> pd.DataFrame:
    """Rewrite a zone Parquet file without the matched rows (atomically, encrypted when the key is set);
    returns the matched rows' lookup columns."""
    if not path.exists():  # a linkage state's encoding, dropped by an earlier file's erasure
        return pd.DataFrame()
    table = open_parquet(path).read()
    lookup = _lookup_columns(table, matcher)
    hit = matcher.match(lookup)
    if hit.any():
        # a linkage state table: its encoding holds the values too. Dropped first (the state is whole without
        # it), so a process killed between the two never leaves the erased values in the encoding.
        if (path.parent / "model.json").exists():
            drop_encoding(path.parent)
        write_parquet_atomic(table.filter(pa.array(~hit.to_numpy())), path)
    return lookup.loc[hit]


def filter_bytes(data: bytes, fmt: str, matcher: ErasureMatcher) -> tuple[bytes | None, pd.DataFrame]:
    """(new content or None when nothing matched, the matched rows' lookup columns) of a delivered file's bytes."""
    table, lookup = _lookup(data, fmt, matcher)
    hit = matcher.match(lookup)
    if not hit.any():
        return None, lookup.iloc[0:0]
    buffer = io.BytesIO()
    if fmt == "parquet":
        pq.write_table(table.filter(pa.array(~hit.to_numpy())), buffer)
    elif fmt == "csv":
        table.loc[~hit].to_csv(buffer, index=False)
    else:
        table.loc[~hit].to_excel(buffer, index=False, engine="openpyxl")
    return buffer.getvalue(), lookup.loc[hit]


def erase_from_file(path: Path, matcher: ErasureMatcher) -> pd.DataFrame:
    """Rewrite a delivered file without the matched rows (atomically); returns the matched rows' lookup columns."""
    fmt = path.suffix.lstrip(".").lower()
    new, hit = filter_bytes(path.read_bytes(), fmt, matcher)
    if new is not None:
        tmp = path.with_name(f".{path.name}.erase-{os.getpid()}")
        tmp.write_bytes(new)
        os.replace(tmp, path)
    return hit


def data_files(root: Path, suffixes: tuple[str, ...] = (".parquet", ".csv", ".xlsx")) -> list[Path]:
    """Every visible data file under `root` (temp and hidden files skipped)."""
    if not root.exists():
        return []
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file() and p.suffix.lower() in suffixes and not p.name.startswith((".", "_"))
    )
