"""Dagster definitions of delivery and privacy: thin wrappers over assets.deliver.run / assets.privacy.erasure.

- `delivery/<target>` for each enabled target of config/delivery.yaml, downstream of its mart asset keys;
- `privacy/erasure`, applying pending erasure requests (order it before ingestion in the nightly job);
- `audit_run_sensors`, recording every finished run in the audit log.
Secrets come from the `s3`, `postgres` and `keys` resources (assets/secrets.py: `dg.EnvVar`s of AWS_*,
C360_PG_DSN, C360_HMAC_KEY), never passed through config or shown in metadata.
"""

from pathlib import Path

import dagster as dg

from assets.dbt.keys import dbt_asset_key
from assets.deliver.config import DeliveryConfig, load_delivery_config
from assets.deliver.run import deliver_target
from assets.errors import fail_fast
from assets.privacy.audit import audit_path, record_event
from assets.privacy.erasure import apply_erasures
from assets.secrets import EncryptionKeys, PostgresConnection, S3Storage
from assets.settings import Settings, settings_from_env

GROUP = "delivery"
# Ops that open the DuckDB warehouse share one pool (limit 1 in orchestration/dagster.yaml), so a delivery's
# read or an erasure's write never meets a dbt build.
WAREHOUSE_POOL = "duckdb_warehouse"


def delivery_config_path(settings: Settings) -> Path:
    return settings.layout().config_dir / "delivery.yaml"


def _delivery_asset(config: DeliveryConfig, name: str) -> dg.AssetsDefinition:
    target = config.target(name)

    @dg.asset(
        key=dg.AssetKey(["delivery", name]),
        deps=[dbt_asset_key(table) for table in target.tables],
        group_name=GROUP,
        kinds={target.kind},
        description=f"Deliver {len(target.tables)} marts to the {target.kind} target '{name}' with the "
        f"'{target.policy}' masking policy.",
        retry_policy=dg.RetryPolicy(max_retries=2, delay=30),
        pool=WAREHOUSE_POOL,
    )
    def _deliver(
        context: dg.AssetExecutionContext,
        settings: Settings,
        s3: S3Storage,
        postgres: PostgresConnection,
        keys: EncryptionKeys,
    ) -> dg.MaterializeResult:
        # the target's credentials (s3, postgres) and keys (HMAC, encryption): active while this step runs
        layout = settings.layout()
        # in the nightly (partitioned) job the delivery folder is the run's date, else today's (UTC)
        run_date = context.run.tags.get("dagster/partition")
        with fail_fast():  # a wrong key or a bad path fails at once, not after the retries
            current = load_delivery_config(delivery_config_path(settings))
            result = deliver_target(current, name, layout, run_id=context.run.run_id, run_date=run_date)
        masking = {t.name: t.masking for t in result.tables}
        return dg.MaterializeResult(
            metadata={
                "rows": dg.MetadataValue.json(result.rows),
                "total_rows": sum(result.rows.values()),
                "policy": target.policy,
                "masking": dg.MetadataValue.json(masking),
                "suppressed_cells": dg.MetadataValue.json(result.suppressed_cells),
                "manifest": dg.MetadataValue.path(result.manifest_uri),
                "checksums": dg.MetadataValue.json({t.name: t.sha256 for t in result.tables}),
                "audit_log": dg.MetadataValue.path(str(audit_path(layout))),
            }
        )

    return _deliver


def build_delivery_assets(config_path: Path | None = None) -> list[dg.AssetsDefinition]:
    """One asset per enabled target of delivery.yaml (read at definition load time)."""
    config = load_delivery_config(config_path or delivery_config_path(settings_from_env()))
    return [_delivery_asset(config, t.name) for t in config.targets if t.enabled]


@dg.asset(
    key=dg.AssetKey(["privacy", "erasure"]),
    group_name="privacy",
    pool=WAREHOUSE_POOL,
    description="Apply pending right-to-be-forgotten requests everywhere (layers, linkage, warehouse, targets).",
)
def erasure_asset(
    context: dg.AssetExecutionContext,
    settings: Settings,
    s3: S3Storage,
    postgres: PostgresConnection,
    keys: EncryptionKeys,
) -> dg.MaterializeResult:
    # erasure reaches the delivery targets (s3, postgres) and the encrypted layers (keys)
    layout = settings.layout()
    path = delivery_config_path(settings)
    config = load_delivery_config(path) if path.exists() else None
    report = apply_erasures(layout, config, run_id=context.run.run_id)
    return dg.MaterializeResult(
        metadata={
            "requests_applied": len(report.requests),
            "rows_removed": report.total,
            "removed_by_place": dg.MetadataValue.json(report.removed),
            "tombstones_added": report.tombstones_added,
            "audit_log": dg.MetadataValue.path(str(audit_path(layout))),
        }
    )


def _record_run(context: dg.RunStatusSensorContext, outcome: str) -> None:
    run = context.dagster_run
    record_event(
        settings_from_env().layout(),
        "run",
        run.job_name,
        run_id=run.run_id,
        actor=run.tags.get("user")
        or run.tags.get("dagster/schedule_name")
        or run.tags.get("dagster/sensor_name"),
        details={
            "status": outcome,
            "partition": run.tags.get("dagster/partition"),
            "assets": len(run.asset_selection or ()),
        },
    )


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    name="audit_run_success",
    default_status=dg.DefaultSensorStatus.RUNNING,
)
def audit_run_success(context: dg.RunStatusSensorContext) -> None:
    _record_run(context, "success")


@dg.run_failure_sensor(name="audit_run_failure", default_status=dg.DefaultSensorStatus.RUNNING)
def audit_run_failure(context: dg.RunFailureSensorContext) -> None:
    _record_run(context, "failure")


audit_run_sensors = [audit_run_success, audit_run_failure]
