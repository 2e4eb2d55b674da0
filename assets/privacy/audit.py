"""Append-only audit log: every run, delivery, erasure and export (who, what, when, row counts).

One JSON object per line in `<data>/audit/audit_log.jsonl`: appends are atomic for lines this short, nothing is
ever rewritten, and DuckDB reads it as a table (`read_json_auto`). Never put secrets or personal data in it.
"""

from __future__ import annotations

import getpass
import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from assets.layout import DataLayout

EVENTS = ("run", "delivery", "erasure_request", "erasure", "export", "key_rotation", "backup", "restore")
_SECRET_KEY = re.compile(r"key|secret|password|passwd|token|dsn|credential", re.I)
_DSN_PASSWORD = re.compile(r"(://[^:/@\s]+:)[^@\s]+@|(password=)\S+", re.I)


def audit_path(layout: DataLayout) -> Path:
    return layout.audit / "audit_log.jsonl"


def current_actor() -> str:
    """Who acts: C360_ACTOR (set by a scheduler or CI), else the OS user."""
    return os.environ.get("C360_ACTOR") or getpass.getuser()


def _scrub(value: Any) -> Any:
    """Drop secret-looking keys and passwords embedded in URLs/DSNs, recursively."""
    if isinstance(value, dict):
        return {k: ("<redacted>" if _SECRET_KEY.search(str(k)) else _scrub(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    if isinstance(value, str):
        return _DSN_PASSWORD.sub(
            lambda m: (m.group(1) or m.group(2)) + "<redacted>" + ("@" if m.group(1) else ""), value
        )
    return value


def record_event(
    layout: DataLayout,
    event: str,
    what: str,
    rows: int | None = None,
    run_id: str | None = None,
    details: dict[str, Any] | None = None,
    actor: str | None = None,
) -> dict[str, Any]:
    """Append one entry; returns it. `what` names the object (a target, a table, a request id)."""
    if event not in EVENTS:
        raise ValueError(f"audit event {event!r} unknown; fix: use one of {EVENTS}")
    entry = {
        "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "event": event,
        "actor": actor or current_actor(),
        "what": what,
        "rows": rows,
        "run_id": run_id,
        "details": json.dumps(_scrub(details or {}), ensure_ascii=False, sort_keys=True, default=str),
    }
    path = audit_path(layout)
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(entry, ensure_ascii=False) + "\n").encode()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)
    return entry


def read_audit(layout: DataLayout) -> pd.DataFrame:
    """The audit log as a table (empty with the right columns when nothing was recorded yet)."""
    path = audit_path(layout)
    columns = ["at", "event", "actor", "what", "rows", "run_id", "details"]
    if not path.exists():
        return pd.DataFrame(columns=columns)
    frame = pd.read_json(path, lines=True, dtype={"rows": "Int64", "run_id": str, "what": str})
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    return frame[columns]
