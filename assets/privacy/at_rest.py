"""Bring the data dir to the state C360_ENCRYPTION_KEY asks for before dbt reads it: zone Parquet files written
before the key was set are encrypted in place, and a plain warehouse is converted (`prepare_warehouse`).
dbt's `read_parquet(…, encryption_config = …)` refuses a plain file in an encrypted glob, so this runs before
every dbt build. `rotate_key` moves everything to a new key. The landing zone (the customer's own delivered
files) is never touched.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from assets.layout import DataLayout
from assets.parquet_files import encrypt_zone_file, encrypted_copy_sql, is_encrypted_parquet, open_parquet
from assets.privacy.encryption import (
    duckdb_config,
    enable_encryption,
    encryption_key,
    missing_key,
    parquet_key,
    parquet_scan,
    prepare_warehouse,
    probe_warehouse,
    reencrypt_warehouse,
    sql_string,
    warehouse_is_encrypted,
)
from assets.privacy.rewrite import data_files

# Every folder of zone Parquet files under the data dir (linkage includes linkage/history).
ZONES = ("raw", "bronze", "quarantine", "silver", "linkage", "erasure", "manifest")


def zone_files(layout: DataLayout) -> list[Path]:
    return [path for zone in ZONES for path in data_files(layout.root / zone, suffixes=(".parquet",))]


def prepare_encrypted_storage(layout: DataLayout) -> list[str]:
    """Encrypt what the key says must be encrypted; returns log lines of what changed (empty without a key)."""
    if encryption_key() is None:
        prepare_warehouse(layout.warehouse)  # refuses an encrypted warehouse without the key, in one line
        return []
    converted = sum(encrypt_zone_file(path) for path in zone_files(layout))
    lines = [f"encrypted {converted} plain zone Parquet file(s) written before C360_ENCRYPTION_KEY was set"]
    warehouse = prepare_warehouse(layout.warehouse)
    return (lines if converted else []) + ([warehouse] if warehouse else [])


def rotate_key(layout: DataLayout, old_key: str, new_key: str) -> list[str]:
    """Re-encrypt the warehouse and every encrypted zone file from `old_key` to `new_key`, each file atomically.
    Run it while nothing else runs, then export the new key. Returns log lines."""
    con = duckdb.connect(config={**duckdb_config(), "threads": 1})
    try:
        enable_encryption(con, new_key)  # httpfs, and the new key as PARQUET_KEY_NAME
        con.execute(f"PRAGMA add_parquet_key('old', {sql_string(parquet_key(old_key))})")
        files = [path for path in zone_files(layout) if is_encrypted_parquet(path)]
        for path in files:
            tmp = path.with_name(path.name + ".rotating")
            scan = parquet_scan(str(path), encrypted=True, key_name="old")
            con.execute(encrypted_copy_sql(scan, tmp, pa.schema([])))  # the metadata column is copied as is
            tmp.replace(path)
    finally:
        con.close()
    lines = [f"re-encrypted {len(files)} zone Parquet file(s) with the new key"]
    if layout.warehouse.exists() and warehouse_is_encrypted(layout.warehouse):
        reencrypt_warehouse(layout.warehouse, old_key, new_key)
        lines.append(f"{layout.warehouse}: re-encrypted with the new key")
    return lines


def check_key(layout: DataLayout) -> None:
    """Refuse, before anything is written, a C360_ENCRYPTION_KEY that is missing or does not open what is stored:
    the warehouse and one encrypted file per zone are probed. Raises EncryptionUnavailable (one line)."""
    key = encryption_key()
    if layout.warehouse.exists() and warehouse_is_encrypted(layout.warehouse):
        if key is None:
            raise missing_key(layout.warehouse)
        probe_warehouse(layout.warehouse, key)
    for zone in ZONES:
        files = data_files(layout.root / zone, suffixes=(".parquet",))
        probe = next((path for path in files if is_encrypted_parquet(path)), None)
        if probe is not None:
            open_parquet(probe)  # decrypts the footer: missing or wrong key raise here
