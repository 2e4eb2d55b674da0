"""`customer360 backup`: a consistent snapshot of everything the nightly runs continue from.

What is in it: every file under the data dir (warehouse, zone Parquet, linkage state and id history, ingest
manifest, erasure requests and tombstones, the local HMAC key, audit log) except what is rebuilt or is not
ours to keep: `tmp/`, `logs/`, `reports/`, `exports/` (delivered copies), run locks. The landing zone is in
it only when it lives inside the data dir (the default); elsewhere it is the vendors' store. The config dir is
copied under `config/`. The caller holds the data dir's writer lock, so no run writes while files are read.
With C360_ENCRYPTION_KEY set every file is sealed (assets/backup/sealing.py). `MANIFEST.json`, written last,
lists each file with its size and the sha256 of its plain and of its stored bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from assets.backup.retention import NAME_FORMAT, backup_time, plan_retention
from assets.backup.sealing import seal
from assets.backup.store import MANIFEST, PREFIX, BackupStore
from assets.layout import DataLayout

FORMAT = 1
SKIPPED_DIRS = frozenset({"tmp", "logs", "reports", "exports", ".runs"})
SKIPPED_SUFFIXES = (".lock", ".part", ".tmp")
CONFIG = "config"


@dataclass(frozen=True)
class BackupInfo:
    name: str
    where: str
    files: int
    bytes: int
    encrypted: bool
    removed: list[str]


def backup_name(at: datetime) -> str:
    return PREFIX + at.astimezone(UTC).strftime(NAME_FORMAT)


def files_to_back_up(layout: DataLayout) -> list[tuple[str, Path]]:
    """(name in the backup, path) of every file a restore needs, in a stable order."""
    root = layout.root
    found: list[tuple[str, Path]] = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if not path.is_file() or rel.parts[0] in SKIPPED_DIRS or path.name.endswith(SKIPPED_SUFFIXES):
            continue
        found.append((rel.as_posix(), path))
    config = Path(layout.config_dir)
    if config.is_dir():
        for path in sorted(config.rglob("*")):
            if path.is_file() and not path.name.endswith(SKIPPED_SUFFIXES):
                found.append((f"{CONFIG}/{path.relative_to(config).as_posix()}", path))
    return found


def _read(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            yield chunk


def _hashed(data: Iterator[bytes], digest: hashlib._Hash, size: list[int]) -> Iterator[bytes]:
    for chunk in data:
        digest.update(chunk)
        size[0] += len(chunk)
        yield chunk


def take_backup(
    layout: DataLayout,
    store: BackupStore,
    key: str | None,
    keep_daily: int = 7,
    keep_weekly: int = 4,
    now: datetime | None = None,
) -> BackupInfo:
    """Copy the data dir's state into a new backup in `store`, then apply retention. Hold the writer lock."""
    name = backup_name(now or datetime.now(UTC))
    entries, total = [], 0
    for rel, path in files_to_back_up(layout):
        plain, stored, size = hashlib.sha256(), hashlib.sha256(), [0]
        data = _hashed(_read(path), plain, size)
        store.put(name, rel, _hashed(seal(data, key) if key else data, stored, [0]))
        entries.append(
            {"name": rel, "size": size[0], "sha256": plain.hexdigest(), "stored_sha256": stored.hexdigest()}
        )
        total += size[0]
    manifest = {
        "format": FORMAT,
        "name": name,
        "created_at": backup_time(name).isoformat(),
        "data_dir": str(layout.root),
        "host": os.uname().nodename,
        "encrypted": key is not None,
        "files": entries,
    }
    store.put(name, MANIFEST, iter([json.dumps(manifest, indent=1).encode()]))
    _, drop = plan_retention(store.names(), keep_daily, keep_weekly)
    for old in drop:
        store.delete(old)
    return BackupInfo(name, store.describe(name), len(entries), total, key is not None, drop)


def read_manifest(store: BackupStore, name: str) -> dict:
    return json.loads(b"".join(store.get(name, MANIFEST)))
