"""Ingestion: landing files (local or S3) → raw Parquet of verbatim strings, with a sha256 manifest and lineage."""

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
