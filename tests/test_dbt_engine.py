"""assets/dbt/engine.py: which warehouse dbt builds and how its readers open it, without Spark (Spark's tables are
stood in for by Parquet folders laid out as Spark writes them: <warehouse>/<schema>.db/<table>/part-*.parquet)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from assets.dbt.defs import dbt_build_args
from assets.dbt.engine import (
    built_warehouse_exists,
    connect_built_warehouse,
    dbt_engine,
    spark_tables,
    spark_warehouse,
)
from assets.dbt.row_counts import count_rows
from assets.deliver.warehouse import open_marts
from assets.settings import Settings


def spark_table(data: Path, schema: str, table: str, frame: pd.DataFrame, parts: int = 2) -> None:
    folder = spark_warehouse(data) / f"{schema}.db" / table
    folder.mkdir(parents=True)
    for i in range(parts):
        frame.iloc[i::parts].to_parquet(folder / f"part-0000{i}-c000.snappy.parquet", index=False)
    (folder / "_SUCCESS").touch()


@pytest.fixture
def spark_data(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("C360_ENGINE", "spark")
    data = tmp_path / "data"
    spark_table(
        data, "marts", "dim_customer", pd.DataFrame({"customer_id": ["C1", "C2", "C3"], "n": [1, 2, 3]})
    )
    spark_table(data, "staging", "it's", pd.DataFrame({"x": [1]}), parts=1)  # quotes in names stay names
    (spark_warehouse(data) / "staging.db" / "a_view").mkdir()  # a view: a folder without Parquet
    return data


def test_engine_setting(monkeypatch):
    monkeypatch.delenv("C360_ENGINE", raising=False)
    assert dbt_engine() == "duckdb"
    monkeypatch.setenv("C360_ENGINE", " Spark ")
    assert dbt_engine() == "spark"
    monkeypatch.setenv("C360_ENGINE", "snowflake")
    with pytest.raises(ValueError, match="expected duckdb or spark"):
        dbt_engine()


def test_build_args_leave_the_snapshot_out_on_spark_only(tmp_path, monkeypatch):
    settings = Settings(data_dir=str(tmp_path / "data"))
    monkeypatch.setenv("C360_ENGINE", "duckdb")
    on_duckdb = dbt_build_args(settings)
    assert "--exclude" not in on_duckdb and json.loads(on_duckdb[2])["c360_data_dir"]
    monkeypatch.setenv("C360_ENGINE", "spark")
    assert dbt_build_args(settings) == [*on_duckdb, "--exclude", "resource_type:snapshot"]


def test_readers_open_the_spark_tables(spark_data):
    warehouse = spark_data / "warehouse" / "customer360.duckdb"  # never created on Spark
    assert set(spark_tables(spark_warehouse(spark_data))) == {("marts", "dim_customer"), ("staging", "it's")}
    assert built_warehouse_exists(warehouse)
    with connect_built_warehouse(warehouse) as (con, catalog):
        assert con.execute('select sum(n) from "marts"."dim_customer"').fetchone() == (6,)
        assert catalog == "memory"
    with open_marts(warehouse, ["dim_customer"]) as marts:
        assert marts["dim_customer"].read().to_pandas().sort_values("n")["customer_id"].tolist() == [
            "C1",
            "C2",
            "C3",
        ]
    layout = Settings(data_dir=str(spark_data)).layout()
    assert count_rows(
        layout, {"model.dim": ("marts", "dim_customer"), "model.view": ("staging", "a_view")}
    ) == {"model.dim": 3}


def test_spark_engine_without_built_tables_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("C360_ENGINE", "spark")
    warehouse = tmp_path / "data" / "warehouse" / "customer360.duckdb"
    assert not built_warehouse_exists(warehouse)
    with pytest.raises(FileNotFoundError, match="run the dbt build"), open_marts(warehouse, ["dim_customer"]):
        pass
    spark_table(tmp_path / "data", "marts", "fct_orders", pd.DataFrame({"x": [1]}))
    with (
        pytest.raises(LookupError, match=r"\['dim_customer'\] not in the warehouse"),
        open_marts(warehouse, ["dim_customer"]),
    ):
        pass
