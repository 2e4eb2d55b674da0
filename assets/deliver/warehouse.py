"""Read the dbt warehouse: a read-only DuckDB connection held only while the tables are copied out."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from assets.parquet_files import encrypted_copy_sql, encrypts
from assets.privacy.encryption import connect_warehouse, sql_string


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def snapshot_tables(warehouse: Path, tables: list[str], workdir: Path) -> dict[str, Path]:
    """Copy each table to `workdir/<table>.parquet` and close the connection at once (dbt may build next).

    Tables are looked up in any schema of the warehouse (the `marts` schema first, then `main`, then any other).
    """
    if not Path(warehouse).exists():
        raise FileNotFoundError(
            f"{warehouse}: warehouse not found; fix: run the dbt build (customer360 materialize) first"
        )
    workdir.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}
    with connect_warehouse(warehouse, read_only=True) as (con, catalog):
        found: dict[str, str] = {}
        for name, schema in con.execute(
            "select table_name, table_schema from information_schema.tables where table_catalog = ? "
            "order by table_schema = 'marts' desc, table_schema = 'main' desc",
            [catalog],
        ).fetchall():
            found.setdefault(name, schema)
        missing = [t for t in tables if t not in found]
        if missing:
            raise LookupError(
                f"{warehouse}: tables {missing} not in the warehouse (have {sorted(found)}); "
                "fix: build those dbt models or remove them from the target's tables in config/delivery.yaml"
            )
        for table in tables:
            path = workdir / f"{table}.parquet"
            relation = f"{_quote(catalog)}.{_quote(found[table])}.{_quote(table)}"
            if encrypts():  # a temporary copy, but still personal data at rest
                con.execute(encrypted_copy_sql(relation, path, pa.schema([])))
            else:
                con.execute(f"COPY (SELECT * FROM {relation}) TO {sql_string(str(path))} (FORMAT parquet)")
            out[table] = path
    return out
