"""The nightly schedule, in the partitions' timezone (C360_TIMEZONE, default Asia/Shanghai)."""

from __future__ import annotations

import dagster as dg

from orchestration.jobs import nightly_job

nightly_schedule = dg.build_schedule_from_partitioned_job(
    nightly_job,
    hour_of_day=2,
    minute_of_hour=0,
    name="nightly_customer360_schedule",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
