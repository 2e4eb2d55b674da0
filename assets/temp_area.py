"""Temporary files of a run: named uniquely per writer, and swept at the start of every run.

A run killed mid-write leaves `<name>.<pid>-<random>.tmp` beside a zone file, or a staging folder under
`<data>/tmp/` (deliveries, warehouse rewrites). They may hold personal data, so the next run (holding the
writer lock, so no live run owns them) deletes them before it does anything else.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

TEMP_DIR = "tmp"
_SUFFIX = ".tmp"
# the data directory's own layers that writers stage files into (never the landing zone: not ours to delete)
_ZONES = ("raw", "bronze", "quarantine", "silver", "linkage", "manifest", "erasure", "warehouse", "reports")


def temp_name(path: Path) -> Path:
    """A temporary name beside `path`, unique to this writer (two runs never share one)."""
    return path.with_name(f"{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}{_SUFFIX}")


def temp_dir(root: Path) -> Path:
    return root / TEMP_DIR


def sweep_temp(root: Path) -> int:
    """Delete what killed runs left: everything under `<root>/tmp/` and `*.tmp` files in the zones.
    Call only while holding the writer lock. Returns the number of entries deleted."""
    removed = 0
    tmp = temp_dir(root)
    if tmp.is_dir():
        for entry in tmp.iterdir():
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed += 1
    for zone in _ZONES:
        base = root / zone
        if base.is_dir():
            for stale in base.rglob(f"*{_SUFFIX}"):
                if stale.is_file():
                    stale.unlink(missing_ok=True)
                    removed += 1
    return removed
