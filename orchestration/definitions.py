"""The customer360 code location: assets from landing files to delivered marts, one job, schedule, sensors."""

import dagster as dg

from assets.backup.defs import backup, backup_freshness, backup_freshness_sensor, backup_job, backup_schedule
from assets.dbt.defs import customer360_dbt_assets
from assets.deliver.defs import audit_run_sensors, build_delivery_assets, delivery_config_path, erasure_asset
from assets.ingest.config import load_default_sources_config
from assets.ingest.defs import build_source_assets
from assets.link.defs import link_assets
from assets.ops.defs import build_ops_assets
from assets.report.defs import run_report_asset
from assets.review.defs import review_queue_asset, review_queue_check
from assets.settings import Settings, settings_from_env
from assets.standardise.defs import build_standardise_assets
from orchestration.checks import build_operational_checks
from orchestration.executor import guarded_in_process_executor
from orchestration.jobs import nightly_job
from orchestration.logging import run_failure_log_sensor
from orchestration.resources import resources_for
from orchestration.schedules import nightly_schedule
from orchestration.sensors import build_landing_sensor, dead_run_sensor

ERASURE_KEY = dg.AssetKey(["privacy", "erasure"])


def after_erasure(assets: list[dg.AssetsDefinition]) -> list[dg.AssetsDefinition]:
    """Pending erasure requests are applied before anything is ingested, so a forgotten person never re-enters."""
    return list(
        dg.map_asset_specs(
            lambda spec: spec.merge_attributes(deps=[ERASURE_KEY]) if spec.key.path[0] == "raw" else spec,
            assets,
        )
    )


def build_definitions(resources: dict[str, object] | None = None) -> dg.Definitions:
    """Everything of the code location; `resources` overrides the environment's (tests pass a tmp Settings)."""
    # load-time configuration (which sources, which targets) from the same variables the resources resolve
    settings = (resources or {}).get("settings") or settings_from_env()
    assert isinstance(settings, Settings)
    resources = {**resources_for(), **(resources or {})}
    sources = load_default_sources_config(settings.layout())
    return dg.Definitions(
        assets=[
            erasure_asset,
            *after_erasure(build_source_assets(sources)),
            *build_ops_assets([s.name for s in sources.sources]),
            build_standardise_assets(sources.sources),
            link_assets,
            review_queue_asset,
            customer360_dbt_assets,
            *build_delivery_assets(delivery_config_path(settings)),
            run_report_asset,
            backup,
        ],
        asset_checks=[
            *build_operational_checks([s.name for s in sources.sources]),
            *backup_freshness,
            review_queue_check,
        ],
        jobs=[nightly_job, backup_job],
        schedules=[nightly_schedule, backup_schedule],
        sensors=[
            build_landing_sensor(sources),
            run_failure_log_sensor,
            *audit_run_sensors,
            backup_freshness_sensor,
            dead_run_sensor,
        ],
        executor=guarded_in_process_executor,  # UI materialisations too: one writer at a time
        resources=resources,
    )


defs = build_definitions()
