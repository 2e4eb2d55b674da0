"""Dagster's SQLite event log without two disk flushes per event.

With the default storage (SQLite files under DAGSTER_HOME: `customer360 run`, `make dev`), Dagster opens a new
connection for every event it stores, commits, and closes it. Closing the last connection to a WAL database
checkpoints it (the WAL copied into the database file and both flushed to disk), and the commit itself flushes
the WAL: a night's ~1,100 events (steps, outputs, ~240 asset checks) cost ~15 ms each on this machine, about a
minute a night, more than all the steps outside linkage and dbt together.

For the length of a run, `held_event_log` keeps one idle connection open on the run's database, on the
cross-run index and on the run storage, so Dagster's connections are never the last and do not checkpoint on close, and sets
`synchronous=NORMAL` on the WAL databases Dagster connects to: a commit no longer waits for the disk, the WAL
is flushed at each checkpoint (SQLite's own, every 1,000 pages, and when the run ends). SQLite's documented
guarantee for WAL with NORMAL: the database stays consistent after a crash or power loss, only the last
transactions before a power loss may be rolled back. Other storages (PostgreSQL in deploy/, the in-memory one
of tests) are left alone.

Dagster also builds a new SQLAlchemy engine for every connection to these files (event log and run storage), so
each event paid for the engine and for compiling its INSERT again (the compiled cache is the engine's): 1.5 ms an
engine event, 3.6 ms a planned asset event, with ~600 events a night. For the run, `held_event_log` gives the run's
shard, the index and the run storage one engine each (`_kept_engines`; the index's `has_table`, ~260 calls a
night, too): connections pooled, statements compiled once, 0.4 and 1.1 ms. Each connection still commits its own
transaction under Dagster's lock, as before.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

_listening = False
_UNSET = object()


def _normal_sync_on_wal(dbapi_connection: object, _record: object) -> None:
    """SQLAlchemy `connect` listener: a SQLite file in WAL mode commits without flushing (NORMAL)."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    try:
        if cursor.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
            cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def listen_for_sqlite() -> None:
    """Register `_normal_sync_on_wal` on every SQLAlchemy engine of this process, once."""
    global _listening
    if _listening:
        return
    import sqlalchemy
    from sqlalchemy import event

    event.listen(sqlalchemy.engine.Engine, "connect", _normal_sync_on_wal)
    _listening = True


def _hold(path: Path, stack: contextlib.ExitStack) -> None:
    connection = sqlite3.connect(str(path), isolation_level=None, timeout=30)
    stack.callback(connection.close)  # the last one out checkpoints: once, when the run ends
    connection.execute("select count(*) from sqlite_master").fetchone()  # opens the WAL: now a reader


def _kept_engine(conn_string: str, stack: contextlib.ExitStack) -> Any:
    """One engine on a SQLite file for the block (pooled connections, Dagster's busy timeout), disposed after."""
    from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
    from sqlalchemy import create_engine

    engine = create_engine(conn_string, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
    stack.callback(engine.dispose)
    return engine


@contextlib.contextmanager
def _transaction(engine: Any, lock: contextlib.AbstractContextManager) -> Iterator[Any]:
    """What Dagster's own connect yields: a connection in a transaction, committed when the block ends."""
    with lock, engine.connect() as conn, conn.begin():
        yield conn


def _kept_engines(instance: object, run_id: str, stack: contextlib.ExitStack) -> None:
    """Until `stack` closes: the run's shard, the index and the run storage connect through one engine each
    instead of a new engine per connection; other shards (another run's events) go Dagster's way."""
    from dagster._core.storage.runs.sqlite.sqlite_run_storage import SqliteRunStorage

    storage: Any = instance.event_log_storage  # type: ignore[attr-defined]
    engines = {
        shard: _kept_engine(storage.conn_string_for_shard(shard), stack) for shard in (run_id, "index")
    }
    dagster_connect: Callable = storage._connect

    def connect(shard: str) -> contextlib.AbstractContextManager:
        engine = engines.get(shard)
        return dagster_connect(shard) if engine is None else _transaction(engine, storage._db_lock)

    _swap(storage, "_connect", connect, stack)
    _swap(storage, "has_table", lambda name: _has_table(engines["index"], name), stack)  # ~260 calls a night
    runs: Any = getattr(instance, "run_storage", None)
    if isinstance(runs, SqliteRunStorage):
        engine = _kept_engine(runs._conn_string, stack)
        _swap(runs, "connect", lambda: _transaction(engine, contextlib.nullcontext()), stack)


def _has_table(engine: Any, name: str) -> bool:
    """Dagster's `has_table` of the index, on the kept engine instead of a new one."""
    with engine.connect() as conn:
        return bool(engine.dialect.has_table(conn, name))


def _swap(obj: object, name: str, replacement: Callable, stack: contextlib.ExitStack) -> None:
    """`obj.name` is `replacement` until `stack` closes (set on the instance: the class is left alone; a hold
    inside another gives back the outer one's)."""
    own = vars(obj)
    before = own.get(name, _UNSET)
    own[name] = replacement
    stack.callback(lambda: own.pop(name, None) if before is _UNSET else own.__setitem__(name, before))


@contextlib.contextmanager
def held_event_log(instance: object, run_id: str) -> Iterator[None]:
    """While the block runs `run_id` on `instance`: its SQLite event log (if that is its storage) flushed at
    checkpoints, not at every event, and stored through one engine per file. A no-op for any other event log
    storage."""
    from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

    storage = getattr(instance, "event_log_storage", None)
    if not isinstance(storage, SqliteEventLogStorage):
        yield
        return
    listen_for_sqlite()
    with contextlib.ExitStack() as stack:
        for shard in (run_id, "index"):
            with storage.run_connection(shard):  # Dagster creates the shard's file (WAL mode) on first use
                pass
            _hold(Path(storage.path_for_shard(shard)), stack)
        runs = _run_storage_file(instance)  # run status and tags: a few writes per step
        if runs is not None:
            _hold(runs, stack)
        _kept_engines(instance, run_id, stack)  # closed first: the engines' connections before the held ones
        yield


def _run_storage_file(instance: object) -> Path | None:
    """The SQLite file of the instance's run storage (history/runs.db), if that is its storage."""
    from urllib.parse import urlparse

    from dagster._core.storage.runs.sqlite.sqlite_run_storage import SqliteRunStorage

    storage = getattr(instance, "run_storage", None)
    conn_string = getattr(storage, "_conn_string", None) if isinstance(storage, SqliteRunStorage) else None
    path = Path(urlparse(conn_string).path) if conn_string else None
    return path if path is not None and path.exists() else None
