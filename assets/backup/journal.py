"""The erasure journal: every erasure request is also written beside the backups (hashed identifiers only), so a
restore from an older backup re-applies the requests recorded since and never brings an erased person back."""

from __future__ import annotations

import json
import os

import pandas as pd

from assets.backup.store import BackupStore, open_store
from assets.layout import DataLayout

JOURNAL = "erasure-journal"
BACKUP_TO_ENV = "C360_BACKUP_TO"


def backup_destination(layout: DataLayout) -> str:
    """C360_BACKUP_TO, else `backups/` beside the data dir (never inside it: it would die with it)."""
    return os.environ.get(BACKUP_TO_ENV) or str(layout.root.resolve().parent / "backups")


def journal_request(layout: DataLayout, row: dict) -> None:
    """Write one erasure request (its digests, never the identifiers) to the journal."""
    record = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items() if not pd.isna(v)}
    open_store(backup_destination(layout)).put(
        JOURNAL, f"{row['request_id']}.json", iter([json.dumps(record).encode()])
    )


def reinstate_erasures(layout: DataLayout, store: BackupStore) -> int:
    """Put the journal's requests missing from the restored data back as pending, with their tombstones, and
    apply them to the restored layers and warehouse now. Returns how many were re-applied."""
    from assets.privacy.erasure import apply_erasures, read_requests, reinstate_request

    known = set(read_requests(layout)["request_id"])
    missing = []
    for name in store.files(JOURNAL):
        record = json.loads(b"".join(store.get(JOURNAL, name)))
        if record["request_id"] not in known:
            missing.append(record)
    for record in sorted(missing, key=lambda r: r["requested_at"]):
        reinstate_request(layout, record)
    if missing:
        apply_erasures(layout)
    return len(missing)
