"""The nightly job: every asset, one daily partition at a time."""

from __future__ import annotations

import dagster as dg

from assets.backup.defs import BACKUP_GROUP
from assets.partitions import daily_partitions
from orchestration.executor import guarded_in_process_executor
from orchestration.memory import RELEASE_MEMORY_HOOKS

NIGHTLY_JOB = "nightly_customer360"

nightly_job = dg.define_asset_job(
    NIGHTLY_JOB,
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups(BACKUP_GROUP),
    partitions_def=daily_partitions,
    description="Ingest → validate → standardise → link → dbt marts → deliver, for one run_date.",
    # One process for the whole run: the steps are short and mostly I/O, so a process per step (the default
    # multiprocess executor) would spend more time importing the code location than working. Guarded: one
    # writer of the data directory at a time, whoever launched the run (orchestration/run_guard.py).
    executor_def=guarded_in_process_executor,
    # dbt writes the warehouse: at most one such run at a time (tag_concurrency_limits in dagster.yaml).
    tags={"dagster/max_retries": 1, "customer360/warehouse": "writer"},
    # Each step's freed memory goes back to the OS before the next (orchestration/memory.py).
    hooks=RELEASE_MEMORY_HOOKS,
)
