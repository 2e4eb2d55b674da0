"""dbt-duckdb plugin of the `encrypted` target (dbt_project/profiles.yml): DuckDB gets the packaged httpfs (its
OpenSSL crypto writes encrypted data), the zone Parquet key, and the warehouse attached with
C360_ENCRYPTION_KEY under the profile's `database` — before dbt-duckdb's own `ATTACH IF NOT EXISTS` of the same
alias, which then does nothing. The key never appears in the profile, dbt's logs or its manifest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dbt.adapters.duckdb.plugins import BasePlugin
from duckdb import DuckDBPyConnection

from assets.privacy.encryption import (
    ENCRYPTION_KEY_ENV,
    EncryptionUnavailable,
    attach_warehouse,
    duckdb_config,
    enable_encryption,
    encryption_key,
    prepare_warehouse,
)


class Plugin(BasePlugin):
    def update_connection_config(self, creds: Any, config: dict[str, Any]) -> None:
        config.update(duckdb_config())

    def configure_connection(self, conn: DuckDBPyConnection) -> None:
        key = encryption_key()
        if key is None:
            raise EncryptionUnavailable(f"the dbt target `encrypted` needs {ENCRYPTION_KEY_ENV}")
        enable_encryption(conn, key)
        database = self.creds.database
        warehouse = next(Path(a.path) for a in self.creds.attach or [] if a.alias == database)
        prepare_warehouse(warehouse)  # a plain warehouse from before the key was set is converted first
        attach_warehouse(conn, warehouse, key, read_only=False, alias=database)
        conn.execute(f"USE {database}")
