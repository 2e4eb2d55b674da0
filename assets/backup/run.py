"""One backup as the CLI and the Dagster job take it: under the data dir's writer lock, then audited."""

from __future__ import annotations

from collections.abc import Callable

from assets.backup.journal import backup_destination
from assets.backup.snapshot import BackupInfo, take_backup
from assets.backup.store import open_store
from assets.layout import DataLayout
from assets.privacy.audit import record_event
from assets.privacy.encryption import encryption_key


def run_backup(
    layout: DataLayout,
    to: str | None,
    keep_daily: int,
    keep_weekly: int,
    say: Callable[[str], None] = lambda _: None,
) -> BackupInfo:
    from orchestration.run_guard import writer_lock  # the lock every run holds while it writes the data dir

    destination = to or backup_destination(layout)
    with writer_lock(layout.root, "backup", say):
        info = take_backup(layout, open_store(destination), encryption_key(), keep_daily, keep_weekly)
    record_event(
        layout,
        "backup",
        info.name,
        details={"where": info.where, "files": info.files, "bytes": info.bytes, "encrypted": info.encrypted,
                 "removed": info.removed},
    )  # fmt: skip
    return info
