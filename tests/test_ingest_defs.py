"""Dagster wiring: raw/<source> and bronze/<source> materialise one partition with checks and metadata."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from assets.ingest.config import load_sources_config
from assets.ingest.defs import NO_FAILED_FILES, ROWS_BALANCE, build_source_assets
from assets.settings import Settings
from tests.source_fixtures import contact_sources_yaml

YAML = contact_sources_yaml("crm")


def test_assets_materialise_with_checks(tmp_path: Path):
    (tmp_path / "sources.yaml").write_text(YAML)
    (tmp_path / "landing" / "crm").mkdir(parents=True)
    (tmp_path / "landing/crm/a.csv").write_text("ID,Name\n1,Amy\n,Bob\n")
    (tmp_path / "landing/crm/b.csv").write_bytes(b"\x00\x00binary")
    config = load_sources_config(tmp_path / "sources.yaml")
    assets = build_source_assets(config)
    assert {a.key.to_user_string() for a in assets} == {"raw/crm", "bronze/crm"}
    settings = Settings(
        data_dir=str(tmp_path / "data"), landing=str(tmp_path / "landing"), config_dir=str(tmp_path)
    )
    result = dg.materialize(assets, resources={"settings": settings}, partition_key="2026-03-01")
    assert result.success
    checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
    assert checks[ROWS_BALANCE].passed
    assert (
        not checks[NO_FAILED_FILES].passed and checks[NO_FAILED_FILES].severity == dg.AssetCheckSeverity.WARN
    )
    meta = {
        e.asset_key.to_user_string(): e.event_specific_data.materialization.metadata
        for e in result.get_asset_materialization_events()
    }
    assert meta["raw/crm"]["files_failed"].value == 1
    rejected = checks[NO_FAILED_FILES].description  # one line naming the file and the reason
    assert rejected == "crm/b.csv: binary content (NUL bytes), not a text export"
    assert meta["bronze/crm"]["rows_quarantined"].value == 1
    assert (
        "| crm/a.csv | 3 | source_record_id | not_empty |" in meta["bronze/crm"]["quarantine_preview"].value
    )
