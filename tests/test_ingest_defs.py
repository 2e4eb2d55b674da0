"""Dagster wiring: raw/<source> and bronze/<source> materialise one partition with checks and metadata."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from assets.ingest.config import load_sources_config
from assets.ingest.defs import NO_FAILED_FILES, ROWS_BALANCE, build_source_assets
from assets.partitions import daily_partitions
from assets.secrets import env_var_resources
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
    result = dg.materialize(
        assets, resources={"settings": settings, **env_var_resources()}, partition_key="2026-03-01"
    )
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


def test_a_failing_rows_balance_check_blocks_what_reads_bronze(tmp_path, monkeypatch) -> None:
    """A validation that loses a row fails the blocking rows-balance check: nothing downstream runs."""
    import assets.ingest.defs as ingest_defs

    real = ingest_defs.validate_partition

    def losing_a_row(*args, **kwargs):
        result = real(*args, **kwargs)
        result.files[0]["rows_valid"] -= 1
        return result

    monkeypatch.setattr(ingest_defs, "validate_partition", losing_a_row)
    _run_balance_pipeline(tmp_path, expect_balanced=False)


def test_a_balanced_validation_lets_downstream_run(tmp_path) -> None:
    _run_balance_pipeline(tmp_path, expect_balanced=True)


def _run_balance_pipeline(tmp_path: Path, expect_balanced: bool) -> None:
    (tmp_path / "sources.yaml").write_text(YAML)
    (tmp_path / "landing" / "crm").mkdir(parents=True)
    (tmp_path / "landing/crm/a.csv").write_text("ID,Name\n1,Amy\n2,Bob\n")
    ran: list[str] = []

    @dg.asset(
        key=["silver", "contact"], deps=[dg.AssetKey(["bronze", "crm"])], partitions_def=daily_partitions
    )
    def silver() -> None:
        ran.append("silver")

    settings = Settings(
        data_dir=str(tmp_path / "data"), landing=str(tmp_path / "landing"), config_dir=str(tmp_path)
    )
    assets = [*build_source_assets(load_sources_config(tmp_path / "sources.yaml")), silver]
    result = dg.materialize(
        assets,
        resources={"settings": settings, **env_var_resources()},
        partition_key="2026-03-01",
        raise_on_error=False,
    )
    [balance] = [c for c in result.get_asset_check_evaluations() if c.check_name == ROWS_BALANCE]
    assert balance.passed is expect_balanced
    assert result.success is expect_balanced
    assert ran == (["silver"] if expect_balanced else [])


def test_a_raw_step_announces_new_files_only_when_it_loaded_one(tmp_path: Path):
    """The link step's reads ahead (assets/link/prefetch.py) start when a raw step loaded a new landing file: a
    night without new files (its link step skipped) reads nothing ahead, which cost it ~2 s at 150k customers."""
    from assets import background
    from assets.background import NEW_FILES_LOADED

    (tmp_path / "sources.yaml").write_text(YAML)
    (tmp_path / "landing" / "crm").mkdir(parents=True)
    (tmp_path / "landing/crm/a.csv").write_text("ID,Name\n1,Amy\n")
    assets = [
        a for a in build_source_assets(load_sources_config(tmp_path / "sources.yaml")) if "raw" in a.key.path
    ]
    settings = Settings(
        data_dir=str(tmp_path / "data"), landing=str(tmp_path / "landing"), config_dir=str(tmp_path)
    )
    started: list[str] = []
    for day, announced in (("2026-03-01", ["ahead"]), ("2026-03-02", [])):  # the same file delivered twice
        started.clear()
        with background.background_run({NEW_FILES_LOADED: [lambda: started.append("ahead")]}):
            result = dg.materialize(
                assets, resources={"settings": settings, **env_var_resources()}, partition_key=day
            )
        assert result.success and started == announced
