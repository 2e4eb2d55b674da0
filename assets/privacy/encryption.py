"""Encryption at rest, opt-in through C360_ENCRYPTION_KEY (never a key in code, config or logs).

One mechanism, DuckDB's own AES-GCM, for everything under the data dir that holds personal data:
- the warehouse: DuckDB database encryption (`ATTACH … (ENCRYPTION_KEY …)`), written by dbt-duckdb through
  `assets/privacy/dbt_plugin.py`, opened by Python through `connect_warehouse`;
- zone Parquet files (raw, bronze, quarantine, silver, linkage, manifest, erasure state): DuckDB Parquet
  encryption with a key derived from the passphrase (`PRAGMA add_parquet_key`), so dbt reads them natively
  with `encryption_config` and Python reads them through `assets/parquet_files.py`.

Writing encrypted data needs the OpenSSL crypto of DuckDB's httpfs extension, shipped offline by the
`duckdb-ext-httpfs` package; `duckdb_connect` points DuckDB at it (never the insecure mbedtls fallback).
"""

from __future__ import annotations

import base64
import functools
import logging
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ENCRYPTION_KEY_ENV = "C360_ENCRYPTION_KEY"
PARQUET_KEY_NAME = "c360"  # the name DuckDB knows the zone key by; the key itself is never in SQL text
_ENVELOPE_MAGIC = b"C360ENC1"  # whole-file envelope of earlier versions (still readable)
_ENVELOPE_NONCE = 12

log = logging.getLogger(__name__)


class EncryptionUnavailable(RuntimeError):
    """Encrypted data and no (or the wrong) key."""


def encryption_key() -> str | None:
    """The key of the running step's `EncryptionKeys` resource, else C360_ENCRYPTION_KEY (assets/secrets.py)."""
    from assets.secrets import EncryptionKeys, active

    return active(EncryptionKeys).encryption_key


def derive_key(key: str, info: bytes) -> bytes:
    """A 256-bit key for one purpose (`info`) from the passphrase: every encrypted thing gets its own."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(key.encode())


def parquet_key(key: str) -> str:
    """The AES-256 key of zone Parquet files (base64, as DuckDB takes it), derived so any passphrase works."""
    return base64.b64encode(derive_key(key, b"customer360 parquet v1")).decode()


def sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@functools.cache
def extension_directory() -> str:
    """Where the packaged DuckDB extensions (httpfs) live; nothing is downloaded."""
    import duckdb_ext

    return os.path.join(next(iter(duckdb_ext.__path__)), "extensions")


def duckdb_config() -> dict[str, object]:
    return {"extension_directory": extension_directory(), "autoinstall_known_extensions": False}


def enable_encryption(con: duckdb.DuckDBPyConnection, key: str) -> None:
    """Load httpfs (OpenSSL crypto: DuckDB refuses to write encrypted data without it) and register the
    zone Parquet key under PARQUET_KEY_NAME."""
    try:
        con.execute("LOAD httpfs")
    except duckdb.Error as exc:
        raise EncryptionUnavailable(
            f"encryption needs DuckDB's httpfs from the duckdb-ext-httpfs package ({exc}); fix: `uv sync`"
        ) from exc
    con.execute(f"PRAGMA add_parquet_key({sql_string(PARQUET_KEY_NAME)}, {sql_string(parquet_key(key))})")


def duckdb_connect(database: str = ":memory:", read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection of its own: packaged extensions; with the key set, encryption enabled (~0.1 s: httpfs
    loads). For the warehouse; zone Parquet files use the cheaper `zone_connection`."""
    con = duckdb.connect(database, read_only=read_only, config=duckdb_config())
    key = encryption_key()
    if key is not None:
        try:
            enable_encryption(con, key)
        except BaseException:
            con.close()
            raise
    return con


_ZONE_LOCK = threading.Lock()  # background threads (assets/background.py) may ask for it first at once


def _zone_cursor(key: str) -> duckdb.DuckDBPyConnection:
    """A cursor on the process's zone database, made (once) and opened under a lock."""
    with _ZONE_LOCK:
        return _zone_database(key).cursor()


@functools.lru_cache(maxsize=2)
def _zone_database(key: str) -> duckdb.DuckDBPyConnection:
    # One thread: DuckDB then streams a COPY from an Arrow stream instead of buffering it (bounded memory).
    con = duckdb.connect(config={**duckdb_config(), "threads": 1})
    enable_encryption(con, key)
    return con


def zone_connection() -> duckdb.DuckDBPyConnection:
    """A connection for reading and writing zone Parquet files (close it after use; never ATTACH on it). With the
    key set: a cursor on one in-memory database per process that has httpfs and the key loaded once."""
    key = encryption_key()
    return duckdb.connect(config=duckdb_config()) if key is None else _zone_cursor(key)


def parquet_scan(
    paths: str | list[str], options: str = "", encrypted: bool | None = None, key_name: str = PARQUET_KEY_NAME
) -> str:
    """`read_parquet(…)` SQL over zone files, with `encryption_config` when they are encrypted (by default:
    when the key is set). `options` are extra read_parquet arguments (`union_by_name = true`, …)."""
    encrypted = encryption_key() is not None if encrypted is None else encrypted
    listed = [paths] if isinstance(paths, str) else paths
    args = ["[" + ", ".join(sql_string(str(p)) for p in listed) + "]"]
    args += [options] if options else []
    args += [f"encryption_config = {{footer_key: {sql_string(key_name)}}}"] if encrypted else []
    return f"read_parquet({', '.join(args)})"


# --- warehouse -------------------------------------------------------------------------------------------


def catalog_name(path: Path) -> str:
    """The catalog a DuckDB file is known by (dbt-duckdb's rule: the file name up to its first dot)."""
    return Path(path).name.lstrip(".").split(".")[0]


def warehouse_is_encrypted(path: Path) -> bool:
    """Whether a DuckDB file is encrypted: ask DuckDB (opening an encrypted file without a key fails)."""
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH {sql_string(str(path))} AS probe (READ_ONLY)")
    except duckdb.Error as exc:
        if "encrypt" in str(exc).lower():
            return True
        raise
    finally:
        con.close()
    return False


def missing_key(path: Path) -> EncryptionUnavailable:
    return EncryptionUnavailable(
        f"{path} is encrypted; fix: export {ENCRYPTION_KEY_ENV} with the key it was encrypted with"
    )


def wrong_key(path: Path) -> EncryptionUnavailable:
    return EncryptionUnavailable(
        f"{path}: {ENCRYPTION_KEY_ENV} does not open this encrypted file (wrong key); "
        "fix: export the key it was encrypted with"
    )


def attach_warehouse(
    con: duckdb.DuckDBPyConnection, path: Path, key: str, read_only: bool, alias: str | None = None
) -> str:
    """ATTACH the encrypted warehouse under its catalog name (dbt's views name it); a wrong key is one clear line."""
    alias = alias or catalog_name(path)
    options = f"ENCRYPTION_KEY {sql_string(key)}" + (", READ_ONLY" if read_only else "")
    try:
        con.execute(f"ATTACH {sql_string(str(path))} AS {alias} ({options})")
    except duckdb.Error as exc:
        if "wrong encryption key" in str(exc).lower() or "AES tag" in str(exc):
            raise wrong_key(path) from None
        raise
    return alias


def encrypt_warehouse(path: Path, key: str) -> None:
    """Convert a plain warehouse into an encrypted one in place (every table, view, snapshot), atomically."""
    reencrypt_warehouse(path, None, key)


def reencrypt_warehouse(path: Path, old_key: str | None, key: str | None) -> None:
    """Copy the warehouse (plain when `old_key` is None) into a fresh file (encrypted with `key`, plain when None),
    then swap it in atomically. The fresh file holds only live rows: deleted ones are not in any freed block."""
    from assets.temp_area import temp_name

    tmp = temp_name(path)
    con = duckdb.connect(config=duckdb_config())
    try:
        if key is not None:
            enable_encryption(con, key)
        if old_key is None:
            con.execute(f"ATTACH {sql_string(str(path))} AS {catalog_name(path)}")
        else:
            attach_warehouse(con, path, old_key, read_only=False)
        if key is None:
            con.execute(f"ATTACH {sql_string(str(tmp))} AS c360_fresh")
        else:
            attach_warehouse(con, tmp, key, read_only=False, alias="c360_fresh")
        con.execute(f"COPY FROM DATABASE {catalog_name(path)} TO c360_fresh")
        con.execute("DETACH c360_fresh")
        con.execute(f"DETACH {catalog_name(path)}")
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finally:
        con.close()
    os.replace(tmp, path)


def compact_warehouse(path: Path) -> None:
    """Rewrite the warehouse into a fresh file under the same key (or none): after an erasure, the erased
    values must not survive in freed blocks, which CHECKPOINT keeps in the file until reused."""
    key = encryption_key() if warehouse_is_encrypted(path) else None
    reencrypt_warehouse(path, key, key)


def prepare_warehouse(path: Path) -> str | None:
    """Before the warehouse is opened for writing: with the key set, a plain warehouse is encrypted (a log line
    says so) and an encrypted one must open with the key; without the key an encrypted one is refused.
    Returns what was done (for the caller's log), or None."""
    path = Path(path)
    if not path.exists():
        return None
    key = encryption_key()
    encrypted = warehouse_is_encrypted(path)
    if key is None:
        if encrypted:
            raise missing_key(path)
        return None
    if not encrypted:
        encrypt_warehouse(path, key)
        message = f"{path}: plain warehouse converted to an encrypted one ({ENCRYPTION_KEY_ENV} is set)"
        log.warning(message)
        return message
    probe_warehouse(path, key)
    return None


def probe_warehouse(path: Path, key: str) -> None:
    """Open an encrypted warehouse read-only with `key`: raises the one-line wrong-key error."""
    con = duckdb.connect()
    try:
        attach_warehouse(con, path, key, read_only=True)
    finally:
        con.close()


@contextmanager
def connect_warehouse(path: Path, read_only: bool = True) -> Iterator[tuple[duckdb.DuckDBPyConnection, str]]:
    """A connection to the warehouse and the catalog its tables live in; encrypted when the key is set.

    Opening for writing first converts a plain warehouse (`prepare_warehouse`); a reader given a key and a plain
    warehouse (dbt has not run since the key was set) reads it plainly.
    """
    path = Path(path)
    if not read_only:
        prepare_warehouse(path)
    key = encryption_key()
    if key is None:  # opened plainly at once (one open less): an encrypted file refuses, as the probe did
        with _plain_warehouse(path, read_only) as opened:
            yield opened
        return
    encrypted = path.exists() and warehouse_is_encrypted(path)
    if encrypted or not path.exists():
        con = duckdb_connect()
        try:
            catalog = attach_warehouse(con, path, key, read_only)
            con.execute(f"USE {catalog}")  # unqualified schema.table names resolve as in a plain file
            yield con, catalog
        finally:
            con.close()
        return
    log.warning(
        "%s is not encrypted yet although %s is set; the next dbt build encrypts it", path, ENCRYPTION_KEY_ENV
    )
    with _plain_warehouse(path, read_only) as opened:
        yield opened


@contextmanager
def _plain_warehouse(path: Path, read_only: bool) -> Iterator[tuple[duckdb.DuckDBPyConnection, str]]:
    """A plain warehouse opened as it is; an encrypted one is refused with the missing-key line."""
    try:
        con = duckdb_connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        if "encrypt" in str(exc).lower():
            raise missing_key(path) from None
        raise
    try:
        yield con, con.execute("select current_database()").fetchone()[0]
    finally:
        con.close()


# --- whole-file envelope of earlier versions: read only ---------------------------------------------------


def is_envelope(head: bytes) -> bool:
    return head.startswith(_ENVELOPE_MAGIC)


def open_envelope(blob: bytes, key: str | None = None) -> bytes:
    """The plain bytes of a file written by the former `write_parquet` envelope (AES-256-GCM, HKDF key)."""
    key = key or encryption_key()
    if key is None:
        raise EncryptionUnavailable(f"an encrypted file needs {ENCRYPTION_KEY_ENV}; fix: export the key")
    aead = AESGCM(derive_key(key, b"customer360 file encryption v1"))
    nonce = blob[len(_ENVELOPE_MAGIC) : len(_ENVELOPE_MAGIC) + _ENVELOPE_NONCE]
    return aead.decrypt(nonce, blob[len(_ENVELOPE_MAGIC) + _ENVELOPE_NONCE :], b"")
