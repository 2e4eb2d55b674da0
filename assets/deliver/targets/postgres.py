"""PostgreSQL target via psycopg 3: COPY into a staging table, then drop + rename in one transaction.

Readers keep seeing the previous table until the swap commits; a failure rolls back and leaves it intact. The
DSN comes from the `PostgresConnection` resource (C360_PG_DSN as a `dg.EnvVar`, assets/secrets.py); a target whose
`dsn_env` names another variable reads that one.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
from psycopg import sql
from psycopg.types.json import Jsonb

from assets.deliver.config import PostgresTarget
from assets.deliver.staging import StagedTable
from assets.deliver.targets.postgres_roles import apply_roles, ensure_roles, read_access, restore_access
from assets.privacy.matching import ErasureMatcher
from assets.secrets import PostgresConnection, active, named_secret

DELIVERIES = "_c360_deliveries"
_BATCH = 50_000


def pg_type(dtype: pa.DataType) -> str:
    """The PostgreSQL column type for an Arrow type."""
    if pa.types.is_boolean(dtype):
        return "boolean"
    if pa.types.is_integer(dtype):
        return "numeric(20)" if dtype == pa.uint64() else "bigint"
    if pa.types.is_floating(dtype):
        return "double precision"
    if pa.types.is_decimal(dtype):
        return f"numeric({dtype.precision},{dtype.scale})"
    if pa.types.is_date(dtype):
        return "date"
    if pa.types.is_timestamp(dtype):
        return "timestamptz" if dtype.tz else "timestamp"
    if pa.types.is_time(dtype):
        return "time"
    if pa.types.is_nested(dtype):
        return "jsonb"
    if pa.types.is_binary(dtype) or pa.types.is_large_binary(dtype):
        return "bytea"
    return "text"


def _json_ready(value: object) -> object:
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def _dsn(target: PostgresTarget) -> str:
    own = PostgresConnection.ENV["dsn"] != target.dsn_env  # a target naming its own variable
    dsn = named_secret(target.dsn_env) if own else active(PostgresConnection).dsn
    if not dsn:
        raise RuntimeError(
            f"{target.dsn_env} is not set; fix: export {target.dsn_env}=postgresql://user@host:5432/db "
            f"for delivery target '{target.name}' (or set enabled: false in config/delivery.yaml)"
        )
    return dsn


class PostgresPublisher:
    def __init__(self, target: PostgresTarget, dsn: str | None = None):
        self.target = target
        self.schema = target.schema_name
        self.dsn = dsn

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(self.dsn or _dsn(self.target))

    def _load(self, cur: psycopg.Cursor, table: StagedTable, staging: str) -> list[str]:
        """COPY the staged Parquet into a new table `staging`; returns its column names."""
        reader = pq.ParquetFile(table.path)
        schema = reader.schema_arrow
        columns = sql.SQL(", ").join(
            sql.SQL("{} {}").format(sql.Identifier(f.name), sql.SQL(pg_type(f.type))) for f in schema
        )
        cur.execute(
            sql.SQL("CREATE TABLE {}.{} ({})").format(
                sql.Identifier(self.schema), sql.Identifier(staging), columns
            )
        )
        nested = [i for i, f in enumerate(schema) if pa.types.is_nested(f.type)]
        copy = sql.SQL("COPY {}.{} ({}) FROM STDIN").format(
            sql.Identifier(self.schema),
            sql.Identifier(staging),
            sql.SQL(", ").join(sql.Identifier(n) for n in schema.names),
        )
        with cur.copy(copy) as out:
            for batch in reader.iter_batches(batch_size=_BATCH):
                columns_py = [col.to_pylist() for col in batch.columns]
                for i in nested:
                    columns_py[i] = [None if v is None else Jsonb(_json_ready(v)) for v in columns_py[i]]
                for row in zip(*columns_py, strict=True):
                    out.write_row(row)
        return schema.names

    def publish(self, staged: list[StagedTable], manifest: dict) -> str:
        if any(t.format != "parquet" for t in staged):
            raise ValueError("the postgres target loads Parquet staging files only")
        with self.connect() as conn:
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(self.schema)))
            with conn.cursor() as cur:
                ensure_roles(cur, self.schema, self.target.roles)
            conn.commit()
            ours = {role.name for role in self.target.roles}
            granted: dict[str, list[str]] = {}
            for table in staged:
                staging = f"_stg_{table.name}_{manifest['run_id'][:12]}"
                with conn.transaction(), conn.cursor() as cur:
                    cur.execute(
                        sql.SQL("SET LOCAL lock_timeout = {}").format(
                            sql.Literal(f"{self.target.lock_timeout_seconds}s")
                        )
                    )
                    columns = self._load(cur, table, staging)
                    access = read_access(cur, self.schema, table.name, ours)
                    cur.execute(
                        sql.SQL("DROP TABLE IF EXISTS {}.{}").format(
                            sql.Identifier(self.schema), sql.Identifier(table.name)
                        )
                    )
                    cur.execute(
                        sql.SQL("ALTER TABLE {}.{} RENAME TO {}").format(
                            sql.Identifier(self.schema), sql.Identifier(staging), sql.Identifier(table.name)
                        )
                    )
                    restore_access(cur, self.schema, table.name, access)
                    granted[table.name] = apply_roles(
                        cur, self.schema, table.name, columns, self.target.roles, access
                    )
            with conn.transaction(), conn.cursor() as cur:
                self._ensure_deliveries(cur)
                cur.execute(
                    sql.SQL("INSERT INTO {}.{} VALUES (%s, %s, %s, %s)").format(
                        sql.Identifier(self.schema), sql.Identifier(DELIVERIES)
                    ),
                    [
                        manifest["run_id"],
                        manifest["run_date"],
                        datetime.now(UTC),
                        Jsonb({**manifest, "grants": granted}),
                    ],
                )
        return f"postgresql:{self.schema}.{DELIVERIES}?run_id={manifest['run_id']}"

    def erase(self, matcher: ErasureMatcher) -> int:
        removed = 0
        vacuum: list[str] = []
        with self.connect() as conn:
            tables = [
                r[0]
                for r in conn.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = %s AND table_type = 'BASE TABLE'",
                    [self.schema],
                ).fetchall()
                if r[0] != DELIVERIES
            ]
            for name in tables:
                columns = [
                    r[0]
                    for r in conn.execute(
                        "SELECT column_name FROM information_schema.columns WHERE table_schema = %s AND table_name = %s",
                        [self.schema, name],
                    ).fetchall()
                ]
                wanted = matcher.relevant_columns(columns)
                if not wanted:
                    continue
                with conn.transaction(), conn.cursor() as cur:
                    cur.execute(
                        sql.SQL("SELECT ctid::text, {} FROM {}.{} FOR UPDATE").format(
                            sql.SQL(", ").join(sql.Identifier(c) for c in wanted),
                            sql.Identifier(self.schema),
                            sql.Identifier(name),
                        )
                    )
                    frame = pd.DataFrame(cur.fetchall(), columns=["_ctid", *wanted])
                    hit = matcher.match(frame[wanted])
                    if not hit.any():
                        continue
                    ctids = frame.loc[hit, "_ctid"].tolist()
                    cur.execute(
                        sql.SQL("DELETE FROM {}.{} WHERE ctid = ANY(%s::tid[])").format(
                            sql.Identifier(self.schema), sql.Identifier(name)
                        ),
                        [ctids],
                    )
                    removed += cur.rowcount
                    self._note(cur, name, cur.rowcount)
                    vacuum.append(name)
            conn.commit()
            conn.autocommit = True  # VACUUM cannot run in a transaction
            for name in vacuum:  # dead tuples still hold the deleted rows until vacuumed
                conn.execute(
                    sql.SQL("VACUUM {}.{}").format(sql.Identifier(self.schema), sql.Identifier(name))
                )
        return removed

    def _ensure_deliveries(self, cur: psycopg.Cursor) -> None:
        cur.execute(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {}.{} (run_id text, run_date text, delivered_at timestamptz, manifest jsonb)"
            ).format(sql.Identifier(self.schema), sql.Identifier(DELIVERIES))
        )

    def _note(self, cur: psycopg.Cursor, table: str, erased: int) -> None:
        self._ensure_deliveries(cur)
        cur.execute(
            sql.SQL("INSERT INTO {}.{} VALUES ('erasure', NULL, now(), %s)").format(
                sql.Identifier(self.schema), sql.Identifier(DELIVERIES)
            ),
            [Jsonb({"event": "erasure", "table": table, "erased_rows": erased})],
        )
