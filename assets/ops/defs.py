"""Ingest bookkeeping as assets: `ops/file_manifest` and `ops/quarantine`.

dbt's data-quality marts read these two tables (sources `ops.file_manifest`, `ops.quarantine`). Every
source's raw/bronze step writes its share; these assets run after all of them and summarise the run date
in one place, so the lineage graph has a producer for each dbt source and the operator one page per table.
Metadata carries counts and reasons only, never a quarantined raw value (it may be personal data).
"""

from collections.abc import Callable
from pathlib import Path

import dagster as dg
import pandas as pd

from assets.ingest.manifest import read_manifest
from assets.layout import DataLayout
from assets.metadata import preview_table
from assets.parquet_files import read_parquet
from assets.partitions import daily_partitions
from assets.settings import Settings

FILE_MANIFEST_KEY = dg.AssetKey(["ops", "file_manifest"])
QUARANTINE_KEY = dg.AssetKey(["ops", "quarantine"])
_TABLE_ROWS = 50


def run_date_manifest(layout: DataLayout, run_date: str) -> pd.DataFrame:
    manifest = read_manifest(layout)
    return manifest[manifest["run_date"] == run_date].reset_index(drop=True)


def run_date_quarantine(layout: DataLayout, sources: list[str], run_date: str) -> pd.DataFrame:
    """Every quarantine row of the run date, without the raw values."""
    files = [f for s in sources for f in sorted(_files(layout.quarantine(s, run_date)))]
    columns = ["source", "file", "line", "column", "check", "reason"]
    if not files:
        return pd.DataFrame(columns=columns)
    return pd.concat((read_parquet(f, columns=columns) for f in files), ignore_index=True)


def _files(directory: Path) -> list[Path]:
    return list(directory.glob("*.parquet")) if directory.exists() else []


def manifest_metadata(files: pd.DataFrame) -> dict[str, dg.MetadataValue]:
    by_status = files["status"].value_counts().to_dict()
    shown = files[["source", "key", "status", "rows_read", "rows_valid", "rows_quarantined", "error"]]
    return {
        "files_seen": dg.MetadataValue.int(len(files)),
        **{f"files_{status}": dg.MetadataValue.int(int(n)) for status, n in sorted(by_status.items())},
        "rows_read": dg.MetadataValue.int(int(files["rows_read"].fillna(0).sum())),
        "files": preview_table(shown, _TABLE_ROWS),
    }


def quarantine_metadata(rows: pd.DataFrame) -> dict[str, dg.MetadataValue]:
    by_check = rows.groupby(["source", "check"], as_index=False).size().sort_values("size", ascending=False)
    return {
        "failures": dg.MetadataValue.int(len(rows)),
        "rows_quarantined": dg.MetadataValue.int(
            int(rows[["source", "file", "line"]].drop_duplicates().shape[0])
        ),
        "by_source_and_check": preview_table(by_check.rename(columns={"size": "failures"}), _TABLE_ROWS),
        "first_failures": preview_table(rows.sort_values(["source", "file", "line"]), _TABLE_ROWS),
    }


Summarise = Callable[[DataLayout, str], dict[str, dg.MetadataValue]]


def _summary_asset(key: dg.AssetKey, sources: list[str], description: str, summarise: Summarise):
    @dg.asset(
        key=key,
        group_name="ingest",
        partitions_def=daily_partitions,
        deps=[dg.AssetKey(["bronze", s]) for s in sources],
        description=description,
        kinds={"parquet"},
    )
    def _summary(context: dg.AssetExecutionContext, settings: Settings) -> dg.MaterializeResult:
        return dg.MaterializeResult(metadata=summarise(settings.layout(), context.partition_key))

    return _summary


def build_ops_assets(sources: list[str]) -> list[dg.AssetsDefinition]:
    return [
        _summary_asset(
            FILE_MANIFEST_KEY,
            sources,
            "Every landing file seen for the run date: status, rows read/valid/quarantined, one-line error.",
            lambda layout, run_date: manifest_metadata(run_date_manifest(layout, run_date)),
        ),
        _summary_asset(
            QUARANTINE_KEY,
            sources,
            "Rows set aside by validation for the run date, with machine-readable check and reason.",
            lambda layout, run_date: quarantine_metadata(run_date_quarantine(layout, sources, run_date)),
        ),
    ]
