"""Dagster: the `ops/backup` asset, its job and daily schedule, and a freshness check that turns red when the
last good backup is older than C360_BACKUP_MAX_AGE_HOURS (default 26)."""

import os
import warnings
from datetime import timedelta

import dagster as dg

from assets.backup.run import run_backup
from assets.partitions import TIMEZONE
from assets.secrets import EncryptionKeys, S3Storage
from assets.settings import Settings

BACKUP_KEY = dg.AssetKey(["ops", "backup"])
BACKUP_GROUP = "backup"
BACKUP_JOB = "backup_customer360"


@dg.asset(
    key=BACKUP_KEY,
    group_name=BACKUP_GROUP,
    description="A checksummed (and, with C360_ENCRYPTION_KEY, encrypted) backup of the customer file, taken "
    "while no run writes; older backups pruned by retention (7 daily, 4 weekly).",
    kinds={"backup"},
)
def backup(
    context: dg.AssetExecutionContext, settings: Settings, s3: S3Storage, keys: EncryptionKeys
) -> dg.MaterializeResult:
    # an s3:// destination (s3) and the backup's encryption (keys): the active resources while this step runs
    info = run_backup(settings.layout(), None, keep_daily=7, keep_weekly=4, say=context.log.info)
    return dg.MaterializeResult(
        metadata={
            "backup": info.where,
            "files": info.files,
            "size_mb": round(info.bytes / 1e6, 2),
            "encrypted": info.encrypted,
            "removed_by_retention": ", ".join(info.removed) or "none",
        }
    )


backup_job = dg.define_asset_job(
    BACKUP_JOB,
    selection=dg.AssetSelection.assets(BACKUP_KEY),
    description="Back up the customer file (queued behind any nightly run: the same one-writer tag).",
    tags={"customer360/warehouse": "writer"},
    # Not the guarded executor of the nightly job: the backup takes the same writer lock itself (CLI or job).
    executor_def=dg.in_process_executor,
)
backup_schedule = dg.ScheduleDefinition(
    name="backup_schedule",
    job=backup_job,
    cron_schedule="30 4 * * *",
    execution_timezone=TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
)


def build_backup_freshness(max_age: timedelta) -> list[dg.AssetChecksDefinition]:
    """ERROR when the last backup materialisation is older than `max_age`. (Dagster 1.13 calls these checks
    superseded by FreshnessPolicy, which has no evaluation a test can drive yet: warnings silenced here.)"""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return list(
            dg.build_last_update_freshness_checks(
                assets=[backup], lower_bound_delta=max_age, severity=dg.AssetCheckSeverity.ERROR
            )
        )


backup_freshness = build_backup_freshness(
    timedelta(hours=float(os.environ.get("C360_BACKUP_MAX_AGE_HOURS", "26")))
)
with warnings.catch_warnings():  # superseded, as above
    warnings.simplefilter("ignore")
    backup_freshness_sensor = dg.build_sensor_for_freshness_checks(
        freshness_checks=backup_freshness,
        name="backup_freshness_sensor",
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
