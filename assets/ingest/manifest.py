"""The file manifest (`manifest/files.parquet`): one row per file seen, the memory that makes ingest idempotent.

Settlement. A landing file is settled once its bytes (sha256) were handled: `duplicate`/`skipped` at once, a
`loaded` file only when its rows reached the customer file. `progress` follows a loaded file's rows:
`raw` (raw copy written) → `silver` (standardised) → `linked` (in linkage's customer file: settled, with
`settled_run_date`). A loaded file not yet `linked` is *pending*: the next run validates and standardises its
partition again (`pending_dates`) and linkage settles it, whatever partition that run is for — so a run killed
after ingest loses no rows, and the file is never ingested twice (its raw copy is named by its checksum).

Landing files are matched to the manifest by `version` — the landing object's identity (local: inode, mtime
and ctime in ns; S3: ETag and LastModified), which any rewrite changes, even to the same name and size — only
to skip re-hashing an unchanged file; a new version is always hashed and settled by its sha256.
"""

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
    "version": "string",  # landing object identity when seen (see the module docstring)
    "progress": "string",  # loaded files: raw | silver | linked (settled)
    "settled_run_date": "string",  # run_date of the run whose linkage settled the file
}
RAW, SILVER, LINKED = "raw", "silver", "linked"
SETTLED_STATUSES = ("loaded", "duplicate", "skipped")


def empty_manifest() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in COLUMNS.items()})


# The last manifest read or written, by the file's identity: a night's ~60 steps and checks read it ~65 times,
# and every write replaces the file (a new inode and mtime), so an unchanged identity is an unchanged manifest.
# A write (always under the manifest's lock: no other writer between the rename and its stat) keeps what it
# wrote, so a night's ~25 writes are not each read back from disk.
_last_read: tuple[tuple[str, int, int, int], pd.DataFrame] | None = None


def _identity(layout: DataLayout) -> tuple[str, int, int, int]:
    stat = layout.manifest.stat()
    return (str(layout.manifest), stat.st_ino, stat.st_mtime_ns, stat.st_size)


def read_manifest(layout: DataLayout) -> pd.DataFrame:
    global _last_read
    try:
        identity = _identity(layout)
    except FileNotFoundError:
        return empty_manifest()
    if _last_read is not None and _last_read[0] == identity:
        return _last_read[1].copy()
    frame = _read_manifest_file(layout)
    _last_read = (identity, frame.copy())
    return frame


def _read_manifest_file(layout: DataLayout) -> pd.DataFrame:
    frame = read_parquet(layout.manifest)
    if "progress" not in frame.columns:  # a manifest written before settlement was tracked: all settled
        frame["progress"] = (
            frame["status"]
            .where(frame["status"] != "loaded", LINKED)
            .where(frame["status"] == "loaded", None)
        )
    return frame.reindex(columns=list(COLUMNS)).astype(COLUMNS)


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
    """Replace the manifest (call it holding `_locked`)."""
    global _last_read
    written = frame.reindex(columns=list(COLUMNS)).astype(COLUMNS).reset_index(drop=True)
    write_parquet_atomic(written, layout.manifest)
    _last_read = (_identity(layout), written.copy())


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


def loaded_shas(manifest: pd.DataFrame, source: str, run_date: str) -> set[str]:
    """sha256 of the files of (source, run_date) whose raw copy the manifest records (the others are leftovers
    of a run killed between writing a raw copy and recording it)."""
    m = manifest[
        (manifest["source"] == source) & (manifest["run_date"] == run_date) & (manifest["status"] == "loaded")
    ]
    return set(m["sha256"].dropna())


def loaded_hashes(manifest: pd.DataFrame, source: str) -> dict[str, str]:
    """sha256 -> key of every file of `source` already loaded."""
    m = manifest[(manifest["source"] == source) & (manifest["status"] == "loaded")]
    return dict(zip(m["sha256"], m["key"], strict=True))


def seen_versions(manifest: pd.DataFrame, source: str) -> set[tuple[str, str]]:
    """(key, version) of landing objects already hashed and handled (loaded, duplicate or skipped): they need
    no re-hashing. Failed files are retried; rows without a version (older manifests) are hashed again."""
    m = manifest[(manifest["source"] == source) & manifest["status"].isin(SETTLED_STATUSES)]
    m = m[m["version"].notna() & (m["version"] != "")]
    return set(zip(m["key"], m["version"], strict=True))


def _pending(manifest: pd.DataFrame) -> pd.Series:
    return (manifest["status"] == "loaded") & (manifest["progress"].fillna(RAW) != LINKED)


def pending_rows(manifest: pd.DataFrame, source: str | None = None) -> pd.DataFrame:
    """Loaded files whose rows have not reached the customer file yet."""
    hit = _pending(manifest) & ((manifest["source"] == source) if source else True)
    return manifest[hit]


def pending_dates(
    layout: DataLayout, source: str | None = None, progress: tuple[str, ...] = (RAW, SILVER)
) -> list[str]:
    """Partitions (run_dates) holding pending files of `source` (any source when None) at `progress`."""
    m = pending_rows(read_manifest(layout), source)
    m = m[m["progress"].fillna(RAW).isin(progress)]
    return sorted(set(m["run_date"].dropna()))


def advance(layout: DataLayout, run_dates: list[str], to: str, settled_run_date: str | None = None) -> int:
    """Move pending files of `run_dates` one step: to `silver` (validated ones, after standardise) or to
    `linked` (silver ones, after linkage: settled). Returns the number of files moved."""
    frm = RAW if to == SILVER else SILVER
    with _locked(layout):
        m = read_manifest(layout)
        hit = _pending(m) & (m["progress"].fillna(RAW) == frm) & m["run_date"].isin(run_dates)
        if to == SILVER:
            hit &= m["rows_valid"].notna()
        if hit.any():
            m.loc[hit, "progress"] = to
            if to == LINKED:
                m.loc[hit, "settled_run_date"] = settled_run_date
            _write(layout, m)
        return int(hit.sum())
