"""Erasure tombstones: hashed identifiers of people who asked to be forgotten.

`<data>/erasure/tombstones.parquet` holds one row per digest (kind email | phone | customer_id | source_record),
never a clear identifier. Digests are always keyed (HMAC-SHA256): with C360_HMAC_KEY, or else with a local
key generated once into `<data>/erasure/.hmac_key` (mode 0600), so nobody can confirm a guessed address
against them (`erasure_key`). Tombstones recorded as plain sha256 by earlier versions keep that scheme until
C360_HMAC_KEY is set (their clear values are gone, so they cannot be re-keyed). Ingest matches every batch against `tombstone_matcher` (cached per
file change), so a re-delivered old file cannot bring an erased person back; `drop_erased` does it for a frame.
"""

from __future__ import annotations

import functools
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from assets.layout import DataLayout
from assets.parquet_files import read_parquet, write_parquet_atomic
from assets.privacy.identifiers import hash_scheme, hmac_key
from assets.privacy.matching import KINDS, ErasureMatcher

TOMBSTONE_COLUMNS = ["kind", "hash", "scheme", "request_id", "created_at"]
LOCAL_KEY = ".hmac_key"


def erasure_key(layout: DataLayout) -> bytes | None:
    """The key of erasure digests: C360_HMAC_KEY, else the data dir's local key (generated on first use).
    None only for a data dir whose existing tombstones are plain sha256 (recorded before keys were generated)."""
    key = hmac_key()
    if key is not None:
        return key
    path = layout.erasure_dir / LOCAL_KEY
    if not path.exists():
        stones = tombstone_path(layout)
        if stones.exists() and set(read_parquet(stones, columns=["scheme"])["scheme"]) == {hash_scheme(None)}:
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process generated it first
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def tombstone_path(layout: DataLayout) -> Path:
    return layout.erasure_dir / "tombstones.parquet"


def read_tombstones(layout: DataLayout) -> pd.DataFrame:
    path = tombstone_path(layout)
    if not path.exists():
        return pd.DataFrame(columns=TOMBSTONE_COLUMNS)
    return read_parquet(path)


def add_tombstones(layout: DataLayout, request_id: str, digests: dict[str, set[str]]) -> int:
    """Append digests (kind → set) for a request; returns how many new tombstones were written."""
    key = erasure_key(layout)
    old = read_tombstones(layout)
    _check_scheme(layout, old, key)
    now = datetime.now(UTC)
    rows = [
        {"kind": kind, "hash": h, "scheme": hash_scheme(key), "request_id": request_id, "created_at": now}
        for kind, values in digests.items()
        for h in sorted(values)
    ]
    new = pd.DataFrame(rows, columns=TOMBSTONE_COLUMNS)
    merged = pd.concat([old, new], ignore_index=True) if len(old) else new
    merged = merged.drop_duplicates(["kind", "hash", "scheme"], keep="first")
    write_parquet_atomic(merged, tombstone_path(layout))
    return len(merged) - len(old)


def tombstone_matcher(layout: DataLayout) -> ErasureMatcher:
    """A matcher over every tombstone; refuses tombstones hashed under another key (they could not match)."""
    key = erasure_key(layout)
    path = tombstone_path(layout)
    if not path.exists():
        return ErasureMatcher.empty(key)
    return _cached_matcher(str(path), path.stat().st_mtime_ns, key)


@functools.lru_cache(maxsize=4)
def _cached_matcher(path: str, mtime_ns: int, key: bytes | None) -> ErasureMatcher:
    # ingest matches once per batch: read the tombstones once per change of the file
    stones = read_parquet(Path(path))
    _check_scheme(Path(path), stones, key)
    return ErasureMatcher(key, {k: frozenset(stones.loc[stones["kind"] == k, "hash"]) for k in KINDS})


def _check_scheme(where: DataLayout | Path, stones: pd.DataFrame, key: bytes | None) -> None:
    """Tombstones hashed under another key could never match: refuse rather than let people back in."""
    schemes = set(stones["scheme"])
    if schemes and schemes != {hash_scheme(key)}:
        path = tombstone_path(where) if isinstance(where, DataLayout) else where
        raise RuntimeError(
            f"{path}: tombstones were hashed with {sorted(schemes)} but the current key gives "
            f"{hash_scheme(key)!r}; fix: set C360_HMAC_KEY to the key in use when the erasures were recorded"
        )


def drop_erased(frame: pd.DataFrame, entity: str, layout: DataLayout) -> tuple[pd.DataFrame, int]:
    """Return the rows of `frame` (canonical columns of `entity`) that match no tombstone, and how many were dropped."""
    if not tombstone_path(layout).exists() or frame.empty:
        return frame, 0
    hit = tombstone_matcher(layout).match(frame)
    return frame.loc[~hit], int(hit.sum())
