"""The marts built by dbt-spark (C360_ENGINE=spark: profiles.yml's `spark` target, session method on local[2])
equal dbt-duckdb's, row for row, on the sample.

The sample's silver and truth-linked Parquet are made once by the real Python steps; dbt builds the project on
DuckDB and on Spark from the same files; every mart Spark wrote (Parquet under <data>/spark/warehouse/marts.db/)
is compared with DuckDB's table of the same name (floats to a relative 1e-9, timestamps in UTC). Delivery then
reads the Spark marts through `open_marts` as it reads DuckDB's.

Needs pyspark and dbt-spark (`uv sync --group spark`) and Java 17: `make test-spark`. Without them these tests
skip, unless C360_REQUIRE_SPARK=1 (make test-spark sets it), where a missing pyspark fails them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from test_marts import dbt
from test_marts_sample import linked_sample

from assets.dbt.engine import connect_spark_tables, spark_tables, spark_warehouse
from assets.deliver.warehouse import open_marts

if os.environ.get("C360_REQUIRE_SPARK") != "1":
    pytest.importorskip("pyspark")
    pytest.importorskip("dbt.adapters.spark")

pytestmark = [pytest.mark.spark, pytest.mark.timeout(2400)]
# the marts people decide with; every other mart is compared too
KEY_MARTS = {"dim_customer", "mart_customer_profile", "mart_satisfaction", "mart_customer_kpis",
             "mart_customer_kpis_monthly", "fct_orders", "fct_survey_responses"}  # fmt: skip


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The data root, with the marts built by dbt-duckdb and by dbt-spark."""
    root = tmp_path_factory.mktemp("spark_marts")
    data = root / "data"
    linked_sample(data)
    on_duckdb = dbt(["build"], data, root / "duckdb")
    assert on_duckdb.returncode == 0, on_duckdb.stdout[-6000:]
    started = time.monotonic()
    # the data tests run on DuckDB above; here the models (the snapshot needs Delta on Spark)
    on_spark = dbt(
        ["build", "--exclude", "resource_type:snapshot", "resource_type:test"],
        data,
        root / "spark",
        env={"C360_ENGINE": "spark", "C360_SPARK_MASTER": "local[2]"},
    )
    seconds = time.monotonic() - started
    assert on_spark.returncode == 0, on_spark.stdout[-6000:]
    print(f"dbt-spark build on local[2]: {seconds:.0f} s")  # pytest -s shows it
    return data


def duckdb_marts(data: Path) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(data / "warehouse" / "customer360.duckdb"), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        names = [r[0] for r in con.execute("select table_name from information_schema.tables "
                                            "where table_schema = 'marts' and table_type = 'BASE TABLE'").fetchall()]  # fmt: skip
        return {n: con.execute(f'select * from marts."{n}"').df() for n in names}


def comparable(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows as sortable values: timestamps naive UTC, numbers as floats, the rest as text; sorted."""
    out = {}
    for name, column in frame.items():
        if pd.api.types.is_object_dtype(column) and any(isinstance(v, dt.date) for v in column.dropna()):
            column = pd.to_datetime(
                column
            )  # dates come back as datetime.date or datetime64 depending on the reader
        if isinstance(column.dtype, pd.DatetimeTZDtype):
            column = column.dt.tz_convert("UTC").dt.tz_localize(None)
        if pd.api.types.is_datetime64_any_dtype(column):
            column = column.astype("datetime64[us]")
        elif pd.api.types.is_bool_dtype(column) or pd.api.types.is_object_dtype(column):
            column = column.map(lambda v: None if v is None or v is pd.NA or v != v else str(v))
        else:
            column = pd.to_numeric(column).astype("float64")
        out[name] = column
    table = pd.DataFrame(out)
    return table.sort_values(list(table.columns), na_position="first").reset_index(drop=True)


def assert_same_rows(name: str, expected: pd.DataFrame, got: pd.DataFrame) -> None:
    assert list(got.columns) == list(expected.columns), name
    assert len(got) == len(expected), f"{name}: {len(got)} rows on Spark, {len(expected)} on DuckDB"
    pd.testing.assert_frame_equal(
        comparable(got), comparable(expected), check_exact=False, rtol=1e-9, obj=name
    )


def test_spark_marts_equal_duckdb_marts(built):
    data = built
    expected = duckdb_marts(data)
    written = {table: folder for (schema, table), folder in spark_tables(spark_warehouse(data)).items()
               if schema == "marts"}  # fmt: skip
    assert set(expected) >= KEY_MARTS
    assert set(written) == set(expected)  # every mart, nothing else
    with connect_spark_tables(spark_warehouse(data)) as (con, _):  # read as DuckDB's: same pandas types
        con.execute("SET TimeZone = 'UTC'")
        for name in sorted(written):
            assert_same_rows(name, expected[name], con.execute(f'select * from marts."{name}"').df())
    assert len(expected["dim_customer"]) > 100 and len(expected["fct_orders"]) > 100  # not trivially equal


def test_delivery_reads_the_spark_marts(built, monkeypatch):
    """C360_ENGINE=spark: open_marts (what every delivery target streams from) reads Spark's Parquet."""
    data = built
    warehouse = data / "warehouse" / "customer360.duckdb"
    expected = duckdb_marts(data)
    monkeypatch.setenv("C360_ENGINE", "spark")
    with open_marts(warehouse, ["dim_customer", "mart_satisfaction"]) as marts:
        for name, mart in marts.items():
            assert_same_rows(name, expected[name], mart.read().to_pandas())
            assert sum(b.num_rows for b in mart.iter_batches(batch_size=50)) == len(expected[name])


def test_load_times_are_wall_clock_in_the_partitions_zone_on_both_engines(built):
    """Silver's `_loaded_at` (UTC instants) reach the warehouse as wall-clock times in C360_TIMEZONE on Spark as on
    DuckDB (whose session zone profiles.yml sets). Spark's session runs in UTC, so without a conversion its load
    times read 8 hours earlier (Asia/Shanghai) than DuckDB's: the watermarks of the marts' last build differed, and
    survivorship's `observed_at` fell back to a load time in another zone than every other record's time. No mart
    column carries load times, so the marts' comparison above cannot see it: the watermarks show it."""
    data = built
    watermarks = "select * exclude (config_fingerprint) from intermediate.int_marts_last_build"
    with duckdb.connect(str(data / "warehouse" / "customer360.duckdb"), read_only=True) as con:
        con.execute("SET TimeZone = 'UTC'")
        expected = con.execute(watermarks).df()
    with connect_spark_tables(spark_warehouse(data)) as (con, _):
        con.execute("SET TimeZone = 'UTC'")
        got = con.execute(watermarks).df()
    loads = [c for c in expected.columns if c.endswith("_loaded_through")]
    assert len(loads) >= 7 and expected[loads].notna().all(axis=None)
    assert_same_rows("int_marts_last_build", expected, got)


def shown(sql: str, data: Path, work: Path, env: dict | None = None) -> pd.DataFrame:
    """The rows of `sql` (Jinja: ref() etc.) as `dbt show` gives them on the engine `env` picks; views included,
    which Spark keeps in its metastore only."""
    show = dbt(["show", "--inline", sql, "--limit", "-1", "--output", "json", "--quiet"], data, work, env=env)
    assert show.returncode == 0, show.stdout[-6000:]
    return pd.DataFrame(json.loads(show.stdout)["show"])


def test_parquet_timestamps_are_wall_clock_in_the_partitions_zone_on_both_engines(built, tmp_path):
    """The UTC instants of a Parquet file read by read_parquet_or_empty (today the ingest manifest's `loaded_at`)
    reach the staging view as wall-clock times in C360_TIMEZONE on Spark as on DuckDB (whose session zone
    profiles.yml sets), like silver's load times above. Spark's session runs in UTC, so without the conversion
    stg_ops__file_manifest's `loaded_at` read 8 hours earlier (Asia/Shanghai) than DuckDB's. The times are
    compared as text, cast in each engine's session, so the zone of the process reading them plays no part."""
    data = built
    columns = ["source", "key", "sha256", "status", "run_date", "loaded_at"]
    sql = "select " + ", ".join(f"cast({c} as {{{{ string_type() }}}}) as {c}" for c in columns)
    sql += " from {{ ref('stg_ops__file_manifest') }}"
    expected = shown(sql, data, tmp_path / "duckdb")
    got = shown(sql, data, tmp_path / "spark", env={"C360_ENGINE": "spark", "C360_SPARK_MASTER": "local[2]"})
    for frame in (expected, got):
        frame["loaded_at"] = pd.to_datetime(frame["loaded_at"])
    manifest = pd.read_parquet(data / "manifest" / "files.parquet", columns=["key", "loaded_at"])
    zone = os.environ.get("C360_TIMEZONE", "Asia/Shanghai")
    wall_clock = manifest["loaded_at"].dt.tz_convert(zone).dt.tz_localize(None)
    assert len(expected) == len(manifest) > 0 and expected["loaded_at"].notna().all()
    assert sorted(expected["loaded_at"]) == sorted(wall_clock)  # the partitions' zone, on DuckDB
    assert_same_rows("stg_ops__file_manifest", expected, got)
