"""`python -m assets.dbt.quick_exit <dbt arguments>`: dbt's CLI, ending its process as soon as dbt has returned.

Once a night's build had returned, dbt's process took ~2 s more to end (150k customers, 2 shared cores): DuckDB
checkpointing the warehouse as the last connection closed (~0.4 s), then the interpreter tearing down everything
dbt had loaded. Here the DuckDB databases dbt wrote are checkpointed explicitly — what closing them does: every
committed change is in the database file, no write-ahead log is left —, the logs and output flushed, and the
process ends with dbt's exit code without the teardown. The checkpoint starts as soon as dbt has run the build's
last node (`EarlyCheckpoint`), beside dbt's last artifacts. Without a DuckDB environment (the spark target), with
spilled blocks still on disk, or when a checkpoint fails, dbt's process ends as it always did (DuckDB's close
checkpoints and removes its temporary files).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
from typing import Any

from assets.dbt.built_rows import RowCounter
from assets.dbt.warm import WARM_DBT_SOCKET, hand_over


def exit_code(code: Any) -> int:
    """The process exit code of a `SystemExit.code`, as Python maps it (None → 0, an int → itself, else 1)."""
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


def checkpoint_duckdb() -> bool:
    """Checkpoint every writable file database of dbt-duckdb's open environment; False when there is none."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:
        return False
    conn = getattr(DuckDBConnectionManager._ENV, "conn", None)
    if conn is None or conn.execute("select count(*) from duckdb_temporary_files()").fetchone()[0]:
        return False  # nothing opened, or spilled blocks whose files only DuckDB's close removes
    databases = conn.execute(
        "select database_name from duckdb_databases() where not internal and not readonly and path is not null"
    ).fetchall()
    for (name,) in databases:
        conn.execute(f'checkpoint "{name}"')
    return True


class EarlyCheckpoint:
    """A dbt event callback: once dbt has run its last node and closed its connections (`FinishedRunningStats`),
    the warehouse's checkpoint starts in a thread (DuckDB releases the GIL), beside what dbt still does before it
    returns: its manifest and run results written again (~0.15 s of a 1% night). The checkpoint at exit (or
    DuckDB's close) then finds little left to write. A checkpoint that fails here (a transaction still open) is
    left to that one; one cut short by a kill is DuckDB's own crash case (the write-ahead log is replayed)."""

    def __init__(self) -> None:
        self._thread: threading.Thread | None = None

    def __call__(self, event: Any) -> None:
        if self._thread is None and event.info.name == "FinishedRunningStats":
            self._thread = threading.Thread(target=self._checkpoint, daemon=True)
            self._thread.start()

    @staticmethod
    def _checkpoint() -> None:
        with contextlib.suppress(Exception):
            checkpoint_duckdb()

    def wait(self) -> None:
        """Return once the checkpoint started here (if any) has ended."""
        if self._thread is not None:
            self._thread.join()


def run_cli(manifest: Any | None = None) -> None:
    """dbt's CLI (`sys.argv`): its ready nodes started longest remaining chain first (assets/dbt/build_order.py),
    the warehouse's checkpoint started as soon as the build's nodes are done (`EarlyCheckpoint`) and ended before
    this returns or raises (dbt exits with SystemExit); the rows of each stored relation counted as dbt reports it
    built (assets/dbt/built_rows.py). Given a parsed `manifest` (assets/dbt/warm_manifest.py), dbt neither parses
    the project nor writes the manifest before the nodes."""
    from dbt.cli.main import cli

    from assets.dbt.build_order import longest_path_first, project_target_of_flags

    longest_path_first(project_target_of_flags)
    early = EarlyCheckpoint()
    # how dbtRunner(callbacks=..., manifest=...) hands them to dbt; each stored relation counted as it is built
    obj: dict[str, Any] = {"callbacks": [early, RowCounter.for_build()]}
    if manifest is not None:
        obj["manifest"] = manifest
    try:
        cli(obj=obj)
    finally:
        early.wait()


def interruptible() -> None:
    """SIGINT raises KeyboardInterrupt, which dbt turns into a stopped build (exit code 2), also in a process that
    inherited it ignored: a run started as a background job (`cmd &` without job control, as CI and nohup start
    one), where dagster-dbt's cancel would otherwise go unheard."""
    signal.signal(signal.SIGINT, signal.default_int_handler)


def main() -> None:
    interruptible()
    socket_path = os.environ.get(WARM_DBT_SOCKET)
    if socket_path:  # the run's warm dbt process, its imports done (assets/dbt/warm.py)
        code = hand_over(socket_path, sys.argv[1:])
        if code is not None:
            sys.exit(code)
    try:
        run_cli()
    except SystemExit as done:
        try:
            checkpointed = checkpoint_duckdb()
        except Exception:  # e.g. a transaction still open: DuckDB's own close checkpoints instead
            checkpointed = False
        if not checkpointed:
            raise
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(exit_code(done.code))


if __name__ == "__main__":
    main()
