"""Dagster definitions of ingest + validate: `raw/<source>` and `bronze/<source>` per source.

Partition `run_date` D ingests every landing file matching the source's glob that the manifest has not
settled; a file under a dated folder (`2026-03-01/`, `dt=2026-03-01/`) is ingested only in partition D of
that date, so backfilling a past day replays exactly that day's deliveries. The landing sensor lives in
orchestration/sensors.py and calls `pending_files`.
"""

import dagster as dg
import pandas as pd

from assets import background
from assets.errors import fail_fast
from assets.ingest.config import SourceConfig, SourcesConfig
from assets.ingest.ingest import ingest_source
from assets.ingest.manifest import RAW, pending_dates
from assets.metadata import bar_chart, preview_table
from assets.partitions import daily_partitions
from assets.privacy.masking import mask_preview
from assets.secrets import EncryptionKeys, S3Storage
from assets.settings import Settings
from assets.validate.validate import validate_partition

ROWS_BALANCE = "rows_in_equals_valid_plus_quarantined"
NO_FAILED_FILES = "no_failed_files"


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
    def _raw(context: dg.AssetExecutionContext, settings: Settings, s3: S3Storage, keys: EncryptionKeys):
        # s3 (an s3:// landing zone) and keys (zone encryption) are the active resources while this step runs
        with fail_fast():  # wrong key, missing landing zone, read-only data dir: no retry can fix them
            result = ingest_source(src, settings.layout(), context.partition_key)
        if result.count("loaded"):  # the run has new rows to link: its planned reads ahead may start
            background.reached(background.NEW_FILES_LOADED)
        failed = [f for f in result.files if f.status == "failed"]
        for f in result.files:  # one log record per file (logs/dagster.jsonl); a rejected file as a warning
            if f.status == "failed":
                context.log.warning(f"rejected {f.key}: {f.error}")
            else:
                context.log.info(
                    f"file {f.key}: {f.status}, {f.rows_read or 0} rows, encoding {f.encoding or '-'}"
                    + (f" — {f.error}" if f.error else "")
                )
        files = pd.DataFrame(
            [
                {
                    "file": f.key,
                    "status": f.status,
                    "rows": f.rows_read,
                    "blank_lines": f.blank_rows,
                    "encoding": f.encoding,
                    "reason": f.error
                    or (", ".join(f.unmapped) and f"unmapped → _extra: {', '.join(f.unmapped)}"),
                }
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
                "files": preview_table(files, 50),
            },
            check_results=[
                dg.AssetCheckResult(
                    check_name=NO_FAILED_FILES,
                    passed=not failed,
                    severity=dg.AssetCheckSeverity.WARN,
                    description="; ".join(f"{f.key}: {f.error}" for f in failed) or None,
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
            dg.AssetCheckSpec(
                ROWS_BALANCE, asset=key, blocking=True, description="no row lost: in = valid + quarantined"
            )
        ],
        description=f"{src.name}: rows passing the pandera schema; failing rows go to quarantine with a reason.",
        kinds={"parquet", "pandera"},
    )
    def _bronze(context: dg.AssetExecutionContext, settings: Settings):
        layout = settings.layout()
        resumed = [d for d in pending_dates(layout, src.name, (RAW,)) if d != context.partition_key]
        with fail_fast():
            for (
                day
            ) in resumed:  # files a killed run left unvalidated: finished here (assets/ingest/manifest.py)
                context.log.warning(f"{src.name}: resuming the pending files of run_date {day}")
                validate_partition(src, layout, day)
            result = validate_partition(src, layout, context.partition_key)
        rows_in, valid, quarantined = (result.total(k) for k in ("rows_in", "rows_valid", "rows_quarantined"))
        yield dg.MaterializeResult(
            metadata={
                "rows_in": rows_in,
                "rows_valid": valid,
                "rows_quarantined": quarantined,
                "resumed_partitions": resumed,
                "quarantined_by_check": bar_chart(
                    result.by_check, "quarantined rows by check", "check", "rows"
                ),
                "dagster/row_count": valid,
                "preview": preview_table(mask_preview(result.preview)),  # PII masked: the event log keeps it
                "quarantine_preview": preview_table(mask_preview(result.quarantine_preview), 20),
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
