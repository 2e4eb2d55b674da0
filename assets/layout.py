"""Where every layer of the customer file lives. One object, so no module hard-codes a path."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class DataLayout:
    root: Path  # local data directory (Parquet layers, warehouse, reports)
    landing: str  # local folder or s3://bucket/prefix
    config_dir: Path

    # --- Python-owned Parquet layers (dbt only reads them) ---
    def raw(self, source: str, run_date: str) -> Path:
        return self.root / "raw" / f"source={source}" / f"run_date={run_date}"

    def bronze(self, source: str, run_date: str) -> Path:
        return self.root / "bronze" / f"source={source}" / f"run_date={run_date}"

    def quarantine(self, source: str, run_date: str) -> Path:
        return self.root / "quarantine" / f"source={source}" / f"run_date={run_date}"

    @property
    def manifest(self) -> Path:
        return self.root / "manifest" / "files.parquet"

    def silver(self, entity: str, run_date: str) -> Path:
        """silver/<entity>/run_date=<d>/part.parquet: every entity written each run, even when empty."""
        return self.root / "silver" / entity / f"run_date={run_date}" / "part.parquet"

    def silver_glob(self, entity: str) -> str:
        return str(self.root / "silver" / entity / "*" / "*.parquet")

    @property
    def linkage_dir(self) -> Path:
        return self.root / "linkage"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse" / "customer360.duckdb"

    @property
    def exports(self) -> Path:
        return self.root / "exports"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def audit(self) -> Path:
        return self.root / "audit"

    @property
    def erasure_dir(self) -> Path:
        return self.root / "erasure"
