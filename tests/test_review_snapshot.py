"""A manual merge reaches the marts: `customer360 customer merge` → the next link run → dbt → dim_customer_snapshot
closes the retired id (dbt_is_deleted) and versions the surviving customer with both sources."""

from pathlib import Path

import duckdb
import pandas as pd
import pytest
from test_marts import dbt
from test_review import night, write_people
from typer.testing import CliRunner

from assets.entities import ENTITIES
from assets.parquet_files import write_parquet_atomic
from assets.standardise.silver import empty_silver
from orchestration.cli import app

pytestmark = pytest.mark.slow


def _build(data: Path, work: Path) -> pd.DataFrame:
    result = dbt(
        ["build", "--select", "+dim_customer_snapshot", "--indirect-selection", "cautious"], data, work
    )
    assert result.returncode == 0, result.stdout[-6000:]
    with duckdb.connect(str(data / "warehouse" / "customer360.duckdb"), read_only=True) as con:
        return con.execute(
            "select customer_id, sources, dbt_valid_to, dbt_is_deleted from snapshots.dim_customer_snapshot"
        ).df()


def test_merge_is_visible_in_dim_customer_snapshot(tmp_path, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("C360_DATA_DIR", str(data))
    monkeypatch.setenv("C360_REVIEWER", "ana")
    write_people(data)
    for name, entity in ENTITIES.items():  # the other entities delivered nothing
        write_parquet_atomic(
            empty_silver(entity), data / "silver" / name / "run_date=2026-01-01" / "part.parquet"
        )
    (data / "warehouse").mkdir(parents=True)
    ids = night(data)
    zhang, li = ids["crm:1"], ids["crm:2"]
    before = _build(data, tmp_path)
    assert {zhang, li} <= set(before["customer_id"]) and before["dbt_valid_to"].isna().all()

    assert CliRunner().invoke(app, ["customer", "merge", zhang, li]).exit_code == 0
    merged = night(data)
    kept = merged["crm:2"]
    gone = ({zhang, li} - {kept}).pop()
    after = _build(data, tmp_path)
    closed = after[after["customer_id"] == gone]
    assert closed["dbt_is_deleted"].astype(str).isin(["True", "true"]).any()
    current = after[(after["customer_id"] == kept) & after["dbt_valid_to"].isna()]
    assert len(current) == 1
