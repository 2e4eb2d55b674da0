"""Remove an erased person's rows from a stored file (Parquet, CSV, XLSX), keeping its schema and encryption."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from assets.privacy.encryption import decrypt_bytes, encrypt_bytes, encryption_key, is_encrypted_bytes
from assets.privacy.matching import ErasureMatcher


def _plain(data: bytes) -> tuple[bytes, str | None]:
    """The file's plain bytes and the key it was encrypted with (None when it was not)."""
    if not is_encrypted_bytes(data):
        return data, None
    key = encryption_key()
    if key is None:
        raise RuntimeError(
            "an encrypted file needs C360_ENCRYPTION_KEY to be erased from; fix: export the key"
        )
    return decrypt_bytes(data, key), key


def _lookup(plain: bytes, fmt: str, matcher: ErasureMatcher) -> tuple[pa.Table | pd.DataFrame, pd.DataFrame]:
    """(the whole table, its columns the matcher reads) — Parquet reads only those columns for the lookup."""
    if fmt == "parquet":
        table = pq.read_table(io.BytesIO(plain))
        return table, table.select(matcher.relevant_columns(table.column_names)).to_pandas()
    reader = pd.read_csv if fmt == "csv" else pd.read_excel
    frame = reader(io.BytesIO(plain), dtype=str, keep_default_na=False)
    return frame, frame[matcher.relevant_columns(list(frame.columns))]


def matched_rows(path: Path, matcher: ErasureMatcher) -> pd.DataFrame:
    """The matcher's lookup columns of the rows of a Parquet file that belong to an erased person."""
    plain, _ = _plain(path.read_bytes())
    columns = matcher.relevant_columns(pq.read_schema(io.BytesIO(plain)).names)
    lookup = pq.read_table(io.BytesIO(plain), columns=columns).to_pandas()
    return lookup.loc[matcher.match(lookup)]


def filter_bytes(data: bytes, fmt: str, matcher: ErasureMatcher) -> tuple[bytes | None, pd.DataFrame]:
    """(new content or None when nothing matched, the matched rows' lookup columns) of one file's bytes."""
    plain, key = _plain(data)
    table, lookup = _lookup(plain, fmt, matcher)
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
    out = buffer.getvalue()
    return (encrypt_bytes(out, key) if key else out), lookup.loc[hit]


def erase_from_file(path: Path, matcher: ErasureMatcher) -> pd.DataFrame:
    """Rewrite `path` without the matched rows (atomically); returns the matched rows' lookup columns."""
    fmt = path.suffix.lstrip(".").lower()
    new, hit = filter_bytes(path.read_bytes(), fmt, matcher)
    if new is not None:
        tmp = path.with_name(f".{path.name}.erase-{os.getpid()}")
        tmp.write_bytes(new)
        os.replace(tmp, path)
    return hit


def data_files(root: Path) -> list[Path]:
    """Every visible data file under `root` (temp and hidden files skipped)."""
    if not root.exists():
        return []
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file()
        and p.suffix.lower() in (".parquet", ".csv", ".xlsx")
        and not p.name.startswith((".", "_"))
    )
