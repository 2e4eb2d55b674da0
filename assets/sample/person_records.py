"""The sample generator's delivery run through the real ingest, as person records + ground truth (tests, bench/)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from assets.ingest.config import load_sources_config
from assets.ingest.ingest import ingest_source, read_raw
from assets.layout import REPO_ROOT, DataLayout
from linkage.records import build_person_records

RUN_DATE = "2026-01-01"


def sample_person_records(
    workdir: Path, customers: int = 2000, seed: int = 7
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(person records, truth: source, source_record_id, true_customer_id) for `customers` true people."""
    from assets.sample import generate_sample

    workdir = Path(workdir)
    generate_sample(workdir, customers=customers, seed=seed)
    layout = DataLayout(
        root=workdir / "data", landing=str(workdir / "landing"), config_dir=REPO_ROOT / "config"
    )
    truth = pd.read_csv(workdir / "truth" / "ground_truth.csv", dtype=str)
    return delivered_person_records(layout), truth


def delivered_person_records(layout: DataLayout, run_date: str = RUN_DATE) -> pd.DataFrame:
    """Every source of layout's sources.yaml ingested from its landing folder for `run_date`, as the person
    records linkage reads (each source's phone region and date formats)."""
    config = load_sources_config(layout.config_dir / "sources.yaml")
    persons = []
    for source in config.sources:
        ingest_source(source, layout, run_date)
        files = sorted(layout.raw(source.name, run_date).glob("*.parquet"))
        if not files:
            continue
        raw = pd.concat([read_raw(f) for f in files], ignore_index=True)
        region = getattr(source, "phone_region", "CN") or "CN"
        persons.append(
            build_person_records(
                raw, source.entity, source.name, region=region, date_formats=source.date_formats
            )
        )
    return pd.concat(persons, ignore_index=True)
