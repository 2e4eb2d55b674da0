"""Encryption at rest, opt-in through C360_ENCRYPTION_KEY (never a key in code or config).

- Warehouse: DuckDB's own database encryption (`ATTACH '<file>' AS wh (ENCRYPTION_KEY '…')`, AES-GCM).
  Reading works out of the box; *writing* an encrypted database needs DuckDB's `httpfs` extension (its OpenSSL
  crypto module): `INSTALL httpfs` once per machine. dbt-duckdb opens it with an `attach:` entry carrying
  `options: {encryption_key: "{{ env_var('C360_ENCRYPTION_KEY') }}"}`.
- Raw zone files: whole-file AES-256-GCM envelope (`encrypt_file` / `decrypt_bytes` / `read_parquet`), key derived
  from C360_ENCRYPTION_KEY with HKDF, so any passphrase length works; a random nonce per file.
"""

from __future__ import annotations

import io
import os
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ENCRYPTION_KEY_ENV = "C360_ENCRYPTION_KEY"
_MAGIC = b"C360ENC1"
_NONCE = 12


class EncryptionUnavailable(RuntimeError):
    pass


def encryption_key() -> str | None:
    return os.environ.get(ENCRYPTION_KEY_ENV) or None


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def attach_encrypted(
    con: duckdb.DuckDBPyConnection, path: Path, alias: str, key: str, read_only: bool
) -> None:
    """ATTACH an encrypted DuckDB file. Writing needs httpfs's crypto; refuse DuckDB's insecure fallback."""
    if not read_only:
        try:
            con.execute("LOAD httpfs")
        except duckdb.Error as exc:
            raise EncryptionUnavailable(
                "writing an encrypted DuckDB database needs the httpfs extension; "
                "fix: run `INSTALL httpfs` once on this machine (or unset C360_ENCRYPTION_KEY)"
            ) from exc
    options = f"ENCRYPTION_KEY {_sql_string(key)}" + (", READ_ONLY" if read_only else "")
    con.execute(f"ATTACH {_sql_string(str(path))} AS {alias} ({options})")


@contextmanager
def connect_warehouse(path: Path, read_only: bool = True) -> Iterator[tuple[duckdb.DuckDBPyConnection, str]]:
    """A connection to the warehouse and the catalog name its tables live in; encrypted when the key is set.

    A key set for the raw zone does not make a warehouse that dbt wrote unencrypted unreadable: that file is
    opened plainly, with a warning (encrypt it through dbt-duckdb's `attach` options).
    """
    key = encryption_key()
    if key is not None and path.exists() and not _duckdb_encrypted(path):
        warnings.warn(
            f"{path} is not encrypted although {ENCRYPTION_KEY_ENV} is set; fix: give dbt-duckdb an attach "
            "with options {encryption_key: ...} (see assets/privacy/README.md)",
            stacklevel=3,
        )
        key = None
    if key is None:
        con = duckdb.connect(str(path), read_only=read_only)
        try:
            yield con, con.execute("select current_database()").fetchone()[0]
        finally:
            con.close()
        return
    con = duckdb.connect()
    try:
        attach_encrypted(con, path, "wh", key, read_only)
        yield con, "wh"
    finally:
        con.close()


def _duckdb_encrypted(path: Path) -> bool:
    """Whether a DuckDB file is encrypted: ask DuckDB itself (attaching with a key fails on a plain file)."""
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH {_sql_string(str(path))} AS probe (READ_ONLY)")
    except duckdb.Error as exc:
        return "encrypt" in str(exc).lower()
    finally:
        con.close()
    return False


def _aead(key: str) -> AESGCM:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"customer360 file encryption v1"
    ).derive(key.encode())
    return AESGCM(derived)


def is_encrypted_bytes(data: bytes) -> bool:
    return data.startswith(_MAGIC)


def is_encrypted(path: Path) -> bool:
    with open(path, "rb") as fh:
        return is_encrypted_bytes(fh.read(len(_MAGIC)))


def encrypt_bytes(data: bytes, key: str, context: bytes = b"") -> bytes:
    nonce = os.urandom(_NONCE)
    return _MAGIC + nonce + _aead(key).encrypt(nonce, data, context)


def decrypt_bytes(blob: bytes, key: str, context: bytes = b"") -> bytes:
    if not blob.startswith(_MAGIC):
        raise ValueError("not a customer360 encrypted file (bad header)")
    nonce = blob[len(_MAGIC) : len(_MAGIC) + _NONCE]
    return _aead(key).decrypt(nonce, blob[len(_MAGIC) + _NONCE :], context)


def encrypt_file(path: Path, key: str | None = None) -> bool:
    """Encrypt `path` in place (atomically); False when no key is configured (encryption is opt-in)."""
    key = key or encryption_key()
    if key is None or is_encrypted(path):
        return False
    tmp = path.with_name(path.name + ".enc-tmp")
    tmp.write_bytes(encrypt_bytes(path.read_bytes(), key))
    os.replace(tmp, path)
    return True


def read_bytes(path: Path, key: str | None = None) -> bytes:
    """The plain content of a file, decrypting it when it carries the customer360 header."""
    data = Path(path).read_bytes()
    if not data.startswith(_MAGIC):
        return data
    key = key or encryption_key()
    if key is None:
        raise EncryptionUnavailable(
            f"{path} is encrypted; fix: export {ENCRYPTION_KEY_ENV} with the key it was written with"
        )
    return decrypt_bytes(data, key)


def read_parquet(path: Path, key: str | None = None) -> pd.DataFrame:
    """pandas.read_parquet that also reads files encrypted by `encrypt_file`."""
    return pd.read_parquet(io.BytesIO(read_bytes(path, key)))


def write_parquet(frame: pd.DataFrame, path: Path, key: str | None = None) -> None:
    """Write Parquet atomically, encrypted when C360_ENCRYPTION_KEY (or `key`) is set."""
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    key = key or encryption_key()
    data = encrypt_bytes(buffer.getvalue(), key) if key else buffer.getvalue()
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)
