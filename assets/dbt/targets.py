"""dagster-dbt gives every invocation its own `target/<op>-<run>-<hash>/` (manifest, run results, compiled SQL,
dbt.log: 11–12 MB for this project). Only the last few are worth keeping; older ones are removed before a build."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

KEEP_ENV = "C360_DBT_KEEP_TARGETS"
DEFAULT_KEEP = 5


def keep_count() -> int:
    value = os.environ.get(KEEP_ENV, "").strip()
    return max(int(value), 0) if value.isdigit() else DEFAULT_KEEP


def prune_run_targets(target_dir: Path, prefix: str, keep: int) -> list[Path]:
    """Remove all but the `keep` newest `<prefix>-*` folders under `target_dir`; returns what was removed."""
    runs = sorted(
        (p for p in target_dir.glob(f"{prefix}-*") if p.is_dir()),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    removed = runs[keep:]
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
    return removed
