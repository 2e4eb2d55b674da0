"""One backup as the CLI and the Dagster job take it: under the data dir's writer lock, then audited."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from assets.backup.journal import backup_destination
from assets.backup.snapshot import BackupInfo, take_backup
from assets.backup.store import open_store
from assets.layout import DataLayout
from assets.privacy.audit import record_event
from assets.privacy.encryption import encryption_key

WRITER_LOCK = ".customer360-writer.lock"  # the lock every run holds while it writes the data dir


@contextmanager
def settled(layout: DataLayout, say: Callable[[str], None]) -> Iterator[None]:
    """Wait until no run writes the data dir and keep it so (a kernel lock: a dead holder frees it)."""
    layout.root.mkdir(parents=True, exist_ok=True)
    fd = os.open(layout.root / WRITER_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say("a customer360 run is writing the data dir; the backup waits for it to finish")
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def run_backup(
    layout: DataLayout,
    to: str | None,
    keep_daily: int,
    keep_weekly: int,
    say: Callable[[str], None] = lambda _: None,
) -> BackupInfo:
    destination = to or backup_destination(layout)
    with settled(layout, say):
        info = take_backup(layout, open_store(destination), encryption_key(), keep_daily, keep_weekly)
    record_event(
        layout,
        "backup",
        info.name,
        details={"where": info.where, "files": info.files, "bytes": info.bytes, "encrypted": info.encrypted,
                 "removed": info.removed},
    )  # fmt: skip
    return info
