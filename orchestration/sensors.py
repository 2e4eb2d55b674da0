"""Landing-zone sensor: new files start the nightly job for today's partition."""

import datetime as dt
import hashlib
from zoneinfo import ZoneInfo

import dagster as dg

from assets.ingest.config import SourcesConfig
from assets.ingest.ingest import pending_files
from assets.partitions import TIMEZONE
from assets.settings import Settings
from orchestration.jobs import nightly_job


def build_landing_sensor(config: SourcesConfig, minimum_interval_seconds: int = 120) -> dg.SensorDefinition:
    @dg.sensor(
        name="landing_zone_sensor",
        job=nightly_job,
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Watches the landing zone (folder or S3); a new set of files starts the nightly job for today.",
    )
    def landing_sensor(context: dg.SensorEvaluationContext, settings: Settings):
        today = dt.datetime.now(ZoneInfo(TIMEZONE)).date().isoformat()
        files = pending_files(settings.layout(), config, today)
        if not files:
            return dg.SkipReason("no new landing files")
        fingerprint = "\n".join(sorted(f"{f.source}:{f.key}:{f.size}:{f.version}" for f in files))
        sources = sorted({f.source for f in files})
        return dg.RunRequest(
            run_key=f"{today}:{hashlib.sha256(fingerprint.encode()).hexdigest()[:16]}",
            partition_key=today,
            tags={"customer360/trigger": "landing_sensor", "customer360/sources": ",".join(sources)},
        )

    return landing_sensor


@dg.sensor(
    name="dead_run_sensor",
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Fails runs whose process died (SIGKILL, OOM, reboot) and frees their slots, so the queue moves on.",
)
def dead_run_sensor(context: dg.SensorEvaluationContext, settings: Settings):
    from orchestration.run_guard import reap_dead_runs

    lines = reap_dead_runs(context.instance, settings.layout().root)
    return dg.SkipReason("; ".join(lines) or "no dead runs")
