"""What a linkage run reads besides the person records, for the nightly link asset and `customer360 link`
alike: the references sources.yaml declares and the steward decisions in force."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from assets.ingest.config import load_sources_config
from assets.review.decisions import decisions_in_force

DECISIONS_FILE = Path("review") / "decisions.parquet"  # inside a linkage folder (assets/review/decisions.py)


def declared_references(config_dir: Path) -> dict[str, list[str]]:
    """sources.yaml `references:` (source → sources whose record ids its customer_ref holds); none without
    a sources.yaml."""
    path = Path(config_dir) / "sources.yaml"
    return load_sources_config(path).references() if path.exists() else {}


def steward_decisions(linkage_dir: Path, persons: pd.DataFrame | None) -> pd.DataFrame:
    """The decisions in force in `linkage_dir`/review/decisions.parquet (`stale` where a record changed)."""
    return decisions_in_force(Path(linkage_dir) / DECISIONS_FILE, persons)
