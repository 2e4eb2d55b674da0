"""Ingestion: landing files (local folder or S3) → raw Parquet of verbatim strings, with a sha256 manifest.

Public API (what assets, sensors and the CLI call):
- `load_sources_config(path)` / `load_default_sources_config(layout)` → `SourcesConfig` (`.sources`, `.get(name)`)
- `pending_files(layout, config, run_date=None)` → `[LandingFile]` not yet settled in the manifest
- `ingest_source(source_cfg, layout, run_date)` → `IngestResult` (`.files: [FileOutcome]`, `.rows_read`)
- `assets.validate.validate_partition(source_cfg, layout, run_date)` → bronze + quarantine for the partition
- `assets.ingest.defs.build_source_assets(config)` → Dagster `raw/<source>` and `bronze/<source>` assets

Modules: `config` (sources.yaml), `encoding` (BOM/charset/delimiter), `readers` (CSV/TSV/XLSX/JSONL/JSON →
batches with physical line numbers), `landing` (local/S3, globs, retries), `manifest`, `ingest`, `parquet_out`.
"""

from assets.ingest.config import SourceConfig, SourcesConfig, load_default_sources_config, load_sources_config
from assets.ingest.ingest import IngestResult, ingest_source, pending_files
from assets.ingest.landing import LandingFile

__all__ = [
    "IngestResult",
    "LandingFile",
    "SourceConfig",
    "SourcesConfig",
    "ingest_source",
    "load_default_sources_config",
    "load_sources_config",
    "pending_files",
]
