"""Bring the data dir to the state C360_ENCRYPTION_KEY asks for before dbt reads it: zone Parquet files written
before the key was set are encrypted in place, and a plain warehouse is converted (`prepare_warehouse`).
dbt's `read_parquet(…, encryption_config = …)` refuses a plain file in an encrypted glob, so this runs before
every dbt build. The landing zone (the customer's own delivered files) is never touched.
"""

from __future__ import annotations

from pathlib import Path

from assets.layout import DataLayout
from assets.parquet_files import encrypt_zone_file
from assets.privacy.encryption import encryption_key, prepare_warehouse
from assets.privacy.rewrite import data_files

# Every folder under the data dir whose Parquet files may hold personal data (linkage includes linkage/history).
ZONES = ("raw", "bronze", "quarantine", "silver", "linkage", "erasure")


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
