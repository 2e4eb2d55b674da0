"""Temporary files of a run: named uniquely per writer, and swept at the start of every run.

A run killed mid-write leaves `<name>.<pid>-<random>.tmp` beside a zone file, or a staging folder under
`<data>/tmp/` (deliveries, warehouse rewrites). They may hold personal data, so the next run (holding the
writer lock, so no live run owns them) deletes them before it does anything else.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path

TEMP_DIR = "tmp"
_SUFFIX = ".tmp"
# the data directory's own layers that writers stage files into (never the landing zone: not ours to delete)
_ZONES = ("raw", "bronze", "quarantine", "silver", "linkage", "manifest", "erasure", "warehouse", "reports")


def temp_name(path: Path) -> Path:
    """A temporary name beside `path`, unique to this writer (two runs never share one)."""
    return path.with_name(f"{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}{_SUFFIX}")


def write_text_atomically(path: Path, text: str, staged: Path | None = None) -> None:
    """`text` in `path` (UTF-8), written under a temporary name (`staged`, else `temp_name`) and renamed: a reader
    sees the old file or the new one, never half of it; a failed write leaves no temporary file."""
    _put_atomically(path, lambda tmp: tmp.write_text(text, encoding="utf-8"), staged)


def copy_atomically(src: Path, path: Path, staged: Path | None = None) -> None:
    """A copy of `src` put in `path` as `write_text_atomically` puts text."""
    _put_atomically(path, lambda tmp: shutil.copyfile(src, tmp), staged)


def _put_atomically(path: Path, write: Callable[[Path], object], staged: Path | None) -> None:
    tmp = staged or temp_name(path)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


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
