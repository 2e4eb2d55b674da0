"""The nightly schedule, in the partitions' timezone (C360_TIMEZONE, default Asia/Shanghai).

`C360_NIGHTLY_CRON` replaces the 02:00 cron (e.g. `30 1 * * *`; the deployment test uses `* * * * *` so the
daemon ticks within a minute); each tick runs the partition of the tick's day either way.
"""

from __future__ import annotations

import os

import dagster as dg

from assets.partitions import TIMEZONE
from orchestration.jobs import nightly_job

SCHEDULE_NAME = "nightly_customer360_schedule"
NIGHTLY_CRON = os.environ.get("C360_NIGHTLY_CRON", "").strip()


def _custom_cron_schedule(cron: str) -> dg.ScheduleDefinition:
    @dg.schedule(
        cron_schedule=cron,
        job=nightly_job,
        execution_timezone=TIMEZONE,
        name=SCHEDULE_NAME,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=f"The nightly job for the tick's day, on C360_NIGHTLY_CRON={cron!r}.",
    )
    def nightly(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        day = context.scheduled_execution_time.date().isoformat()
        return dg.RunRequest(run_key=f"{SCHEDULE_NAME}:{context.scheduled_execution_time.isoformat()}",
                             partition_key=day)  # fmt: skip

    return nightly


nightly_schedule = (
    _custom_cron_schedule(NIGHTLY_CRON)
    if NIGHTLY_CRON
    else dg.build_schedule_from_partitioned_job(
        nightly_job,
        hour_of_day=2,
        minute_of_hour=0,
        name=SCHEDULE_NAME,
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
)
