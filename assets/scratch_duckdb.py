"""One in-memory DuckDB per process for small computations over Arrow tables (row hashes, key scans, JSON
look-ups, figures): a cursor on it costs ~0.5 ms, a database of its own ~17 ms, and validation opened two or
three a file. Each cursor is a connection of its own (its registered tables are its own), so threads share
the database safely; close the cursor after use (`with scratch_cursor() as con:`)."""

from __future__ import annotations

import threading

import duckdb

# One thread per query (the caller's: queries on other threads run beside it), and room bounded as the
# validation's key scan had it (it spills past it).
_CONFIG = {"threads": 1, "memory_limit": "256MB"}
_lock = threading.Lock()
_database: duckdb.DuckDBPyConnection | None = None


def scratch_cursor() -> duckdb.DuckDBPyConnection:
    """A new connection to the process's scratch database."""
    global _database
    with _lock:
        if _database is None:
            _database = duckdb.connect(config=_CONFIG)
        return _database.cursor()
