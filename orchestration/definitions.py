"""The customer360 code location: assets from landing files to delivered marts, one job, schedule, sensors."""

from __future__ import annotations

import dagster as dg

from assets.ingest.config import load_default_sources_config
from assets.ingest.defs import build_source_assets
from assets.settings import Settings
from assets.standardise.defs import build_standardise_assets
from orchestration.jobs import nightly_job
from orchestration.resources import resources_for
from orchestration.schedules import nightly_schedule
from orchestration.sensors import build_landing_sensor


def build_definitions(resources: dict[str, object] | None = None) -> dg.Definitions:
    """Everything of the code location; `resources` overrides the environment's (tests pass a tmp Settings)."""
    resources = {**resources_for(), **(resources or {})}
    settings = resources["settings"]
    assert isinstance(settings, Settings)
    sources = load_default_sources_config(settings.layout())
    return dg.Definitions(
        assets=[
            *build_source_assets(sources),
            build_standardise_assets(sources.sources),
        ],
        jobs=[nightly_job],
        schedules=[nightly_schedule],
        sensors=[build_landing_sensor(sources)],
        resources=resources,
    )


defs = build_definitions()
