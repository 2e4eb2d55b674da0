"""Dagster definitions of ingest + validate: `raw/<source>` and `bronze/<source>` per source, and the landing sensor.

Partition `run_date` D ingests every landing file matching the source's glob that the manifest has not
settled; a file under a dated folder (`2026-03-01/`, `dt=2026-03-01/`) is ingested only in partition D of
that date, so backfilling a past day replays exactly that day's deliveries.
"""

import datetime as dt
import hashlib
from zoneinfo import ZoneInfo

import dagster as dg
import pandas as pd

from assets.ingest.config import SourceConfig, SourcesConfig, load_default_sources_config
from assets.ingest.ingest import ingest_source, pending_files
from assets.partitions import TIMEZONE, daily_partitions
from assets.settings import Settings, settings_from_env
from assets.validate.validate import validate_partition

ROWS_BALANCE = "rows_in_equals_valid_plus_quarantined"
NO_FAILED_FILES = "no_failed_files"


def _md_table(frame: pd.DataFrame, limit: int = 10) -> str:
    if frame is None or frame.empty:
        return "_no rows_"
    head = frame.head(limit).astype("string").fillna("")
    cols = list(head.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in head.itertuples(index=False):
        lines.append(
            "| " + " | ".join(str(v).replace("|", "\\|").replace("\n", " ")[:60] for v in row) + " |"
        )
    return "\n".join(lines)


def _raw_asset(src: SourceConfig) -> dg.AssetsDefinition:
    key = dg.AssetKey(["raw", src.name])

    @dg.asset(
        key=key,
        group_name="ingest",
        partitions_def=daily_partitions,
        retry_policy=dg.RetryPolicy(max_retries=3, delay=10, backoff=dg.Backoff.EXPONENTIAL),
        check_specs=[
            dg.AssetCheckSpec(NO_FAILED_FILES, asset=key, description="every landing file was readable")
        ],
        description=f"{src.name} ({src.entity}): new landing files `{src.glob}` as verbatim strings + lineage.",
        kinds={"parquet"},
    )
    def _raw(context: dg.AssetExecutionContext, settings: Settings):
        result = ingest_source(src, settings.layout(), context.partition_key)
        failed = [f for f in result.files if f.status == "failed"]
        files = pd.DataFrame(
            [
                {"file": f.key, "status": f.status, "rows": f.rows_read, "reason": f.error}
                for f in result.files
            ]
        )
        yield dg.MaterializeResult(
            metadata={
                "files_loaded": result.count("loaded"),
                "files_duplicate": result.count("duplicate"),
                "files_failed": len(failed),
                "failed": {f.key: f.error for f in failed},
                "rows_read": result.rows_read,
                "rows_erased": result.rows_erased,
                "dagster/row_count": result.rows_read - result.rows_erased,
                "files": dg.MetadataValue.md(_md_table(files, 50)),
            },
            check_results=[
                dg.AssetCheckResult(
                    check_name=NO_FAILED_FILES,
                    passed=not failed,
                    severity=dg.AssetCheckSeverity.WARN,
                    metadata={"failed": {f.key: f.error for f in failed}},
                )
            ],
        )

    return _raw


def _bronze_asset(src: SourceConfig) -> dg.AssetsDefinition:
    key = dg.AssetKey(["bronze", src.name])

    @dg.asset(
        key=key,
        group_name="ingest",
        deps=[dg.AssetKey(["raw", src.name])],
        partitions_def=daily_partitions,
        check_specs=[
            dg.AssetCheckSpec(ROWS_BALANCE, asset=key, description="no row lost: in = valid + quarantined")
        ],
        description=f"{src.name}: rows passing the pandera schema; failing rows go to quarantine with a reason.",
        kinds={"parquet", "pandera"},
    )
    def _bronze(context: dg.AssetExecutionContext, settings: Settings):
        layout = settings.layout()
        result = validate_partition(src, layout, context.partition_key)
        rows_in, valid, quarantined = (result.total(k) for k in ("rows_in", "rows_valid", "rows_quarantined"))
        yield dg.MaterializeResult(
            metadata={
                "rows_in": rows_in,
                "rows_valid": valid,
                "rows_quarantined": quarantined,
                "quarantined_by_check": result.by_check,
                "dagster/row_count": valid,
                "preview": dg.MetadataValue.md(_md_table(result.preview)),
                "bronze": dg.MetadataValue.path(str(layout.bronze(src.name, context.partition_key))),
                "quarantine": dg.MetadataValue.path(str(layout.quarantine(src.name, context.partition_key))),
            },
            check_results=[
                dg.AssetCheckResult(
                    check_name=ROWS_BALANCE,
                    passed=rows_in == valid + quarantined,
                    severity=dg.AssetCheckSeverity.ERROR,
                    metadata={"rows_in": rows_in, "rows_valid": valid, "rows_quarantined": quarantined},
                )
            ],
        )

    return _bronze


def build_source_assets(config: SourcesConfig) -> list[dg.AssetsDefinition]:
    """`raw/<source>` (I/O, retried with backoff) and `bronze/<source>` for every source, daily-partitioned."""
    out: list[dg.AssetsDefinition] = []
    for src in config.sources:
        out += [_raw_asset(src), _bronze_asset(src)]
    return out


def build_landing_sensor(config: SourcesConfig, minimum_interval_seconds: int = 60) -> dg.SensorDefinition:
    """Start a run of today's partition for every source with new landing files (one run per new file set)."""
    selection = dg.AssetSelection.assets(
        *[dg.AssetKey([layer, s.name]) for s in config.sources for layer in ("raw", "bronze")]
    )

    @dg.sensor(
        name="landing_zone_sensor",
        target=selection,
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=dg.DefaultSensorStatus.STOPPED,
        description="Watches the landing zone (folder or S3) and ingests new files as they arrive.",
    )
    def landing_sensor(context: dg.SensorEvaluationContext):
        layout = settings_from_env().layout()
        today = dt.datetime.now(ZoneInfo(TIMEZONE)).date().isoformat()
        files = pending_files(layout, config, today)
        if not files:
            return dg.SkipReason("no new landing files")
        requests = []
        for src in config.sources:
            mine = sorted(f"{f.key}:{f.size}" for f in files if f.source == src.name)
            if not mine:
                continue
            digest = hashlib.sha256("\n".join(mine).encode()).hexdigest()[:16]
            requests.append(
                dg.RunRequest(
                    run_key=f"{src.name}:{today}:{digest}",
                    partition_key=today,
                    asset_selection=[dg.AssetKey(["raw", src.name]), dg.AssetKey(["bronze", src.name])],
                    tags={"c360/source": src.name, "c360/new_files": str(len(mine))},
                )
            )
        return requests

    return landing_sensor


def default_source_assets() -> list[dg.AssetsDefinition]:
    return build_source_assets(load_default_sources_config(settings_from_env().layout()))
