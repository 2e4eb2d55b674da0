"""The Dagster instance of a `customer360` command, created one process at a time.

`DagsterInstance.get()` creates its SQLite storages on first use, and two processes doing so at once on a fresh
DAGSTER_HOME race to stamp the same schema ("UNIQUE constraint failed: alembic_version.version_num"): the
second `customer360 run` of two started together died before it could wait for the first. Creating the instance
under an exclusive lock in DAGSTER_HOME makes the second find the storages made.
"""

from __future__ import annotations

import os
from contextlib import AbstractContextManager
from pathlib import Path

from assets.folder_lock import folder_lock


def open_instance() -> AbstractContextManager:
    """`dg.DagsterInstance.get()`, its storages created while holding DAGSTER_HOME's lock (use it in `with`)."""
    import dagster as dg

    home = os.environ.get("DAGSTER_HOME")
    if not home:
        return dg.DagsterInstance.get()  # no home: Dagster's own error or ephemeral instance
    with folder_lock(Path(home) / ".customer360"):
        instance = dg.DagsterInstance.get()
        instance.get_runs(limit=1)  # run storage, and with the instance the event log and schedule storages
    return instance
