"""dagster-dbt gives every invocation its own `target/<op>-<run>-<hash>/` (manifest, run results, compiled SQL,
dbt.log: 11–12 MB for this project). Only the last few are worth keeping; older ones are removed before a build."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from assets.temp_area import copy_atomically

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


PARTIAL_PARSE = "partial_parse.msgpack"
PROJECT_TARGET = "target"  # the project's own target folder (dagster-dbt's DbtProject default), under its dir


def keep_partial_parse(run_target: Path, project_target: Path) -> bool:
    """Keep a finished build's parse cache as the project's (`target/partial_parse.msgpack`), which dagster-dbt
    copies into the next invocation's folder. The load-time `dbt parse` runs without the build's vars, so its
    cache never matches them and every build parsed the whole project again (~20 s); a night with the previous
    night's vars and profile now parses only what changed. Written under a temporary name and renamed, so a
    concurrent build reads the old cache or the new one, never half of it. Returns whether it was kept."""
    built = Path(run_target) / PARTIAL_PARSE
    if not built.is_file() or Path(run_target).resolve() == Path(project_target).resolve():
        return False
    project_target.mkdir(parents=True, exist_ok=True)
    copy_atomically(built, project_target / PARTIAL_PARSE)
    return True
