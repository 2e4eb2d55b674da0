"""Where dbt builds the warehouse: DuckDB (C360_ENGINE=duckdb, the default: <data>/warehouse/customer360.duckdb) or
Spark (C360_ENGINE=spark: the `spark` target of dbt_project/profiles.yml, dbt-spark's session method on
C360_SPARK_MASTER; each table's Parquet under <data>/spark/warehouse/<schema>.db/<table>/).

The readers of the marts (delivery, row counts) open either through `connect_built_warehouse`: for Spark, an
in-memory DuckDB whose views read the tables' Parquet files, so they need neither Spark nor its metastore."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

ENGINE_ENV = "C360_ENGINE"
SPARK_CATALOG = "memory"  # the in-memory DuckDB's catalog that holds the Spark tables' views


def dbt_engine() -> str:
    """`duckdb` or `spark`, from C360_ENGINE (what profiles.yml reads to pick the target)."""
    name = (os.environ.get(ENGINE_ENV, "") or "duckdb").strip().lower()
    if name not in ("duckdb", "spark"):
        raise ValueError(f"{ENGINE_ENV}={name!r}: expected duckdb or spark")
    return name


def spark_warehouse(data_root: Path) -> Path:
    """spark.sql.warehouse.dir of the `spark` target (profiles.yml)."""
    return Path(data_root) / "spark" / "warehouse"


def engine_build_args() -> list[str]:
    """Extra `dbt build` arguments for the engine: on Spark the snapshot is left out (dbt-spark snapshots need
    Delta or Iceberg tables; the marts are plain Parquet)."""
    return ["--exclude", "resource_type:snapshot"] if dbt_engine() == "spark" else []


def spark_tables(warehouse: Path) -> dict[tuple[str, str], Path]:
    """(schema, table) -> folder of its Parquet files, for the tables Spark has written (views have none)."""
    found = {}
    for folder in sorted(Path(warehouse).glob("*.db/*")):
        if folder.is_dir() and any(folder.glob("*.parquet")):
            found[(folder.parent.name.removesuffix(".db"), folder.name)] = folder
    return found


@contextmanager
def connect_spark_tables(warehouse: Path) -> Iterator[tuple[duckdb.DuckDBPyConnection, str]]:
    """(connection, catalog) whose `<schema>.<table>` views read the Parquet of the tables Spark built."""
    con = duckdb.connect()
    try:
        for (schema, table), folder in spark_tables(warehouse).items():
            con.execute(f'create schema if not exists "{schema}"')
            glob = str(folder / "*.parquet").replace("'", "''")
            con.execute(f'create view "{schema}"."{table}" as select * from read_parquet(\'{glob}\')')
        yield con, SPARK_CATALOG
    finally:
        con.close()


def built_warehouse_exists(duckdb_path: Path) -> bool:
    """Whether the engine's warehouse has been built: the DuckDB file, or Spark's tables beside it."""
    if dbt_engine() == "spark":
        return bool(spark_tables(spark_warehouse(Path(duckdb_path).parent.parent)))
    return Path(duckdb_path).exists()


@contextmanager
def connect_built_warehouse(
    duckdb_path: Path, read_only: bool = True
) -> Iterator[tuple[duckdb.DuckDBPyConnection, str]]:
    """(connection, catalog) on the warehouse the engine built. `duckdb_path` is the layout's warehouse file
    (<data>/warehouse/customer360.duckdb); Spark's tables are under the same data root."""
    if dbt_engine() == "spark":
        with connect_spark_tables(spark_warehouse(Path(duckdb_path).parent.parent)) as opened:
            yield opened
        return
    from assets.privacy.encryption import connect_warehouse

    with connect_warehouse(duckdb_path, read_only=read_only) as opened:
        yield opened
