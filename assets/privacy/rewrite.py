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


def filter_bytes(data: bytes, fmt: str, matcher: ErasureMatcher) -> tuple[bytes | None, pd.DataFrame]:
    """(new content or None when nothing matched, the matched rows' lookup columns) of one file's bytes."""
    encrypted = is_encrypted_bytes(data)
    key = encryption_key() if encrypted else None
    if encrypted and key is None:
        raise RuntimeError(
            "an encrypted file needs C360_ENCRYPTION_KEY to be erased from; fix: export the key"
        )
    plain = decrypt_bytes(data, key) if encrypted else data
    if fmt == "parquet":
        table = pq.read_table(io.BytesIO(plain))
        lookup = table.select(matcher.relevant_columns(table.column_names)).to_pandas()
        hit = matcher.match(lookup)
        if not hit.any():
            return None, lookup.iloc[0:0]
        buffer = io.BytesIO()
        pq.write_table(table.filter(pa.array(~hit.to_numpy())), buffer)
        out = buffer.getvalue()
    else:
        reader = pd.read_csv if fmt == "csv" else pd.read_excel
        frame = reader(io.BytesIO(plain), dtype=str, keep_default_na=False)
        lookup = frame[matcher.relevant_columns(list(frame.columns))]
        hit = matcher.match(lookup)
        if not hit.any():
            return None, lookup.iloc[0:0]
        buffer = io.BytesIO()
        if fmt == "csv":
            frame.loc[~hit].to_csv(buffer, index=False)
        else:
            frame.loc[~hit].to_excel(buffer, index=False, engine="openpyxl")
        out = buffer.getvalue()
    return (encrypt_bytes(out, key) if encrypted else out), lookup.loc[hit]


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
