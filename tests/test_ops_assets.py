"""ops/file_manifest and ops/quarantine: one summary per run date of what every source's ingest did."""

from pathlib import Path

import dagster as dg

from assets.ingest.config import load_sources_config
from assets.ingest.defs import build_source_assets
from assets.ops.defs import FILE_MANIFEST_KEY, QUARANTINE_KEY, build_ops_assets
from assets.secrets import env_var_resources
from assets.settings import Settings
from tests.source_fixtures import contact_sources_yaml

YAML = contact_sources_yaml("crm", "shop")


def _materialise(tmp_path: Path, run_date: str) -> dict[str, dict]:
    config = load_sources_config(tmp_path / "sources.yaml")
    settings = Settings(
        data_dir=str(tmp_path / "data"), landing=str(tmp_path / "landing"), config_dir=str(tmp_path)
    )
    assets = [*build_source_assets(config), *build_ops_assets([s.name for s in config.sources])]
    result = dg.materialize(
        assets, resources={"settings": settings, **env_var_resources()}, partition_key=run_date
    )
    assert result.success
    return {
        e.asset_key.to_user_string(): e.event_specific_data.materialization.metadata
        for e in result.get_asset_materialization_events()
    }


def test_summaries_of_every_source_for_the_run_date(tmp_path: Path):
    (tmp_path / "sources.yaml").write_text(YAML)
    for folder in ("crm", "shop"):
        (tmp_path / "landing" / folder).mkdir(parents=True)
    (tmp_path / "landing/crm/a.csv").write_text("ID,Name\n1,Amy\n,Bob\nX-SECRET-7,Cy\nX-SECRET-7,Di\n")
    (tmp_path / "landing/crm/b.csv").write_bytes(b"\x00\x00binary")
    (tmp_path / "landing/shop/c.csv").write_text("ID,Name\n5,Eve\n6,Fay\n")

    meta = _materialise(tmp_path, "2026-03-01")

    files = meta[FILE_MANIFEST_KEY.to_user_string()]
    assert files["files_seen"].value == 3
    assert files["files_loaded"].value == 2 and files["files_failed"].value == 1
    assert files["rows_read"].value == 6
    assert "| shop | shop/c.csv | loaded |" in files["files"].value

    quarantine = meta[QUARANTINE_KEY.to_user_string()]
    assert quarantine["rows_quarantined"].value == 3  # the empty id and both rows of the repeated id
    assert "| crm | primary_key_unique |" in quarantine["by_source_and_check"].value
    rendered = " ".join(str(v.value) for v in quarantine.values())
    assert "X-SECRET-7" not in rendered  # counts and reasons only, never a raw value


def test_a_day_without_files_is_empty_not_an_error(tmp_path: Path):
    (tmp_path / "sources.yaml").write_text(YAML)
    (tmp_path / "landing").mkdir()  # an empty landing zone (a missing one fails the run)
    meta = _materialise(tmp_path, "2026-03-02")
    assert meta[FILE_MANIFEST_KEY.to_user_string()]["files_seen"].value == 0
    assert meta[QUARANTINE_KEY.to_user_string()]["failures"].value == 0
    assert meta[QUARANTINE_KEY.to_user_string()]["first_failures"].value == "_(no rows)_"
