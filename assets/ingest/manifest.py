"""The file manifest (`manifest/files.parquet`): one row per file seen, the memory that makes ingest idempotent."""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator

import pandas as pd

from assets.layout import DataLayout
from assets.parquet_files import read_parquet, write_parquet_atomic

COLUMNS = {
    "source": "string",
    "key": "string",
    "size": "Int64",
    "sha256": "string",
    "rows_read": "Int64",
    "rows_valid": "Int64",
    "rows_quarantined": "Int64",
    "rows_erased": "Int64",
    "status": "string",  # loaded | duplicate | failed | skipped
    "error": "string",  # one-line reason for failed / duplicate-of / drift warnings
    "encoding": "string",
    "run_date": "string",
    "loaded_at": "datetime64[us, UTC]",
}


def empty_manifest() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in COLUMNS.items()})


def read_manifest(layout: DataLayout) -> pd.DataFrame:
    if not layout.manifest.exists():
        return empty_manifest()
    return read_parquet(layout.manifest).astype(COLUMNS)


@contextlib.contextmanager
def _locked(layout: DataLayout) -> Iterator[None]:
    """Sources ingest in parallel processes: one writer at a time on the manifest."""
    layout.manifest.parent.mkdir(parents=True, exist_ok=True)
    with open(layout.manifest.parent / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _write(layout: DataLayout, frame: pd.DataFrame) -> None:
    write_parquet_atomic(frame.astype(COLUMNS), layout.manifest)


def append_manifest(layout: DataLayout, rows: list[dict]) -> None:
    if not rows:
        return
    with _locked(layout):
        new = pd.DataFrame(rows, columns=list(COLUMNS)).astype(COLUMNS)
        current = read_manifest(layout)
        _write(layout, pd.concat([current, new], ignore_index=True) if len(current) else new)


def record_validation(
    layout: DataLayout, source: str, sha256: str, run_date: str, valid: int, quarantined: int
) -> None:
    """Fill rows_valid / rows_quarantined of the file's `loaded` row once validate has run."""
    with _locked(layout):
        m = read_manifest(layout)
        hit = (
            (m["source"] == source)
            & (m["sha256"] == sha256)
            & (m["run_date"] == run_date)
            & (m["status"] == "loaded")
        )
        if hit.any():
            m.loc[hit, "rows_valid"] = valid
            m.loc[hit, "rows_quarantined"] = quarantined
            _write(layout, m)


def loaded_hashes(manifest: pd.DataFrame, source: str) -> dict[str, str]:
    """sha256 -> key of every file of `source` already loaded."""
    m = manifest[(manifest["source"] == source) & (manifest["status"] == "loaded")]
    return dict(zip(m["sha256"], m["key"], strict=True))


def settled_keys(manifest: pd.DataFrame, source: str) -> set[tuple[str, int]]:
    """(key, size) of files needing no more work: loaded, duplicate or skipped. Failed files are retried."""
    m = manifest[(manifest["source"] == source) & manifest["status"].isin(["loaded", "duplicate", "skipped"])]
    return set(zip(m["key"], m["size"].astype("int64"), strict=True))
