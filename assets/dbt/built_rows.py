"""Row counts of the relations a dbt build stores, counted in dbt's own process as each node is built.

The job process may not open the warehouse while dbt writes it (DuckDB allows one process on a file being
written), so it counted the stored models after dbt had exited and held their materialisations until then: ~0.3 s
of Dagster events (and the count's own connection) after a 1% night's build. Here a dbt event callback (`RowCounter`,
in `assets.dbt.quick_exit.run_cli`) counts each stored relation over dbt-duckdb's open database as dbt reports its
result (LogModelResult, LogSeedResult, LogSnapshotResult: dbt's loggers write it, dagster-dbt makes the Output of
it, then dbt calls its callbacks), and appends the count to `row_counts.jsonl` in the build's target folder. The
job process holds each stored model's Output until its count is there (`CountedInBuild`: looked for again at each
later event of the build, and once more at its end). No later node writes a relation dbt reported built (dbt builds
each relation in its own node), so the count is its count at the build's end. What has no count there (the spark
target, a count that failed) is counted after dbt's exit as before (assets/dbt/row_counts.py).

This module imports neither dbt nor Dagster: dbt's process loads it with its CLI, the job's process to read.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from pathlib import Path
from typing import Any

ROW_COUNTS_FILE = "row_counts.jsonl"
RESULT_EVENTS = frozenset({"LogModelResult", "LogSeedResult", "LogSnapshotResult"})
COMPUTED = frozenset({"view", "ephemeral"})  # relations whose rows exist only when queried: never counted


def count_relation(relation_name: str) -> int | None:
    """Rows of `relation_name` ("db"."schema"."table") over dbt-duckdb's open database; None without one."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:
        return None
    conn = getattr(DuckDBConnectionManager._ENV, "conn", None)
    if conn is None:
        return None
    with conn.cursor() as cursor:  # closed at once: nothing of it outlives the build's own connections
        return int(cursor.execute(f"select count(*) from {relation_name}").fetchone()[0])


class RowCounter:
    """A dbt event callback: the rows of each stored relation dbt reports built, as a JSON line in `path`
    ({"invocation_id", "unique_id", "rows"}). A count that fails is left out (the job counts that relation after
    dbt's exit)."""

    def __init__(self, path: Path | None) -> None:
        self._path = path
        self._lock = threading.Lock()

    @classmethod
    def for_build(cls) -> RowCounter:
        """Counts into the build's target folder (DBT_TARGET_PATH, as dagster-dbt sets it); none without one."""
        target = os.environ.get("DBT_TARGET_PATH")
        return cls(Path(target) / ROW_COUNTS_FILE if target else None)

    def __call__(self, event: Any) -> None:
        if self._path is None or event.info.name not in RESULT_EVENTS:
            return
        node = event.data.node_info
        if node.node_status != "success" or node.materialized in COMPUTED:
            return
        with contextlib.suppress(Exception):
            rows = count_relation(node.node_relation.relation_name)
            if rows is None:
                return
            line = json.dumps(
                {"invocation_id": event.info.invocation_id, "unique_id": node.unique_id, "rows": rows}
            )
            with self._lock, open(self._path, "a", encoding="utf-8") as out:
                out.write(line + "\n")


class CountedInBuild:
    """The counts a build's `RowCounter` wrote, read as the job needs them (the file grows while dbt builds)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._offset = 0
        self._rows: dict[tuple[str, str], int] = {}

    def rows(self, invocation_id: str, unique_id: str) -> int | None:
        key = (invocation_id, unique_id)
        if key not in self._rows:
            self._read_more()
        return self._rows.get(key)

    def _read_more(self) -> None:
        try:
            with open(self._path, "rb") as source:
                source.seek(self._offset)
                data = source.read()
        except FileNotFoundError:
            return
        complete = data[: data.rfind(b"\n") + 1]  # a line still being written is read next time
        self._offset += len(complete)
        for line in complete.splitlines():
            with contextlib.suppress(ValueError, KeyError, TypeError):
                count = json.loads(line)
                self._rows[(str(count["invocation_id"]), str(count["unique_id"]))] = int(count["rows"])
