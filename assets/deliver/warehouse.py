"""Read the dbt warehouse for a delivery: the marts are streamed out of a read-only connection straight into
masking, so no unmasked copy of a mart is ever written to disk (a run killed mid-delivery leaves none)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pyarrow as pa

from assets.dbt.engine import built_warehouse_exists, connect_built_warehouse
from assets.privacy.encryption import sql_string


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class MartTable:
    """One mart of the open warehouse, with the part of `pq.ParquetFile` staging uses: `schema_arrow`,
    `iter_batches(batch_size=, columns=)` (streamed in table order) and `read(columns=)`. Each mart has a connection of
    its own to the warehouse, so marts can be read on different threads at once."""

    def __init__(self, con: duckdb.DuckDBPyConnection, relation: str, size_hint: float = 0.0):
        self.con, self.relation = con.cursor(), relation
        # DuckDB's estimated rows x columns (0: not a stored table): which mart to copy first
        self.size_hint = size_hint
        self.schema_arrow = self._query(f"SELECT * FROM {relation} LIMIT 0").fetch_arrow_table().schema

    def _query(self, sql: str) -> duckdb.DuckDBPyConnection:
        cursor = self.con.cursor()  # one result stream per cursor: reads do not cut each other off
        cursor.execute("SET TimeZone = 'UTC'")  # timestamps as UTC, whatever the machine's zone
        return cursor.execute(sql)

    def iter_batches(self, batch_size: int, columns: list[str] | None = None) -> Iterator[pa.RecordBatch]:
        listed = ", ".join(_quote(c) for c in columns) if columns is not None else "*"
        yield from self._query(f"SELECT {listed} FROM {self.relation}").fetch_record_batch(batch_size)

    def read(self, columns: list[str] | None = None) -> pa.Table:
        listed = ", ".join(_quote(c) for c in columns) if columns else "*"
        return self._query(f"SELECT {listed} FROM {self.relation}").fetch_arrow_table()

    def write_parquet(self, path: Path, columns: list[str]) -> int:
        """`columns` of the mart written as Parquet by DuckDB itself (snappy, as pyarrow's default), in table
        order; returns the rows written. No Arrow round trip: for a table delivered untouched.

        A column with more than 1,000 distinct values in a row group is written plain, not as a dictionary:
        DuckDB's default limit had it build and keep dictionaries of ~20k ids a row group (the facts' customer
        ids), which cost the 1% night's five untouched marts ~17% of their COPY CPU (1.8-1.9 -> 1.5-1.55 s) for
        1.3% smaller files. Same values and types read back."""
        listed = ", ".join(_quote(c) for c in columns)
        copy = f"COPY (SELECT {listed} FROM {self.relation}) TO {sql_string(str(path))} "
        options = "(FORMAT parquet, COMPRESSION snappy, DICTIONARY_SIZE_LIMIT 1000)"
        return int(self._query(copy + options).fetchone()[0])


@contextmanager
def open_marts(warehouse: Path, tables: list[str]) -> Iterator[dict[str, MartTable]]:
    """The named tables of the warehouse for the block, read-only (dbt must not build meanwhile: the run guard
    and the duckdb_warehouse pool see to that). Tables are looked up in any schema (`marts` first, then `main`)."""
    if not built_warehouse_exists(warehouse):  # C360_ENGINE=spark: the Parquet of Spark's tables
        raise FileNotFoundError(
            f"{warehouse}: warehouse not found; fix: run the dbt build (customer360 materialize) first"
        )
    with connect_built_warehouse(warehouse, read_only=True) as (con, catalog):
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
        sizes = dict(
            con.execute(
                "select schema_name || '.' || table_name, coalesce(estimated_size * column_count, 0) "
                "from duckdb_tables() where database_name = ?",
                [catalog],
            ).fetchall()
        )
        # one DuckDB thread per query: each mart streams out in order into masking and writing (two marts at a
        # time: assets/deliver/concurrent.py), and on this shared 2-core box DuckDB's second thread cost more
        # CPU than it saved (150k replay, load ~4: delivery 5.9-11 s -> 3.9 s)
        con.execute("SET threads = 1")
        relations = {t: f"{_quote(catalog)}.{_quote(found[t])}.{_quote(t)}" for t in tables}
        yield {t: MartTable(con, relations[t], sizes.get(f"{found[t]}.{t}", 0.0)) for t in tables}
