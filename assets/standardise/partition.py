"""Standardise one run_date: read every source's bronze rows, write silver per entity and the person records."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from assets.entities import ENTITIES
from assets.layout import DataLayout
from assets.parquet_files import read_parquet, write_parquet_atomic
from assets.standardise.silver import empty_silver, standardise
from linkage.records import build_person_records

PERSON = "person"


@dataclass
class SilverResult:
    rows: dict[str, int] = field(default_factory=dict)  # entity -> rows written
    rows_by_source: dict[str, int] = field(default_factory=dict)
    persons: int = 0
    paths: dict[str, Path] = field(default_factory=dict)


def read_parquet_dir(directory: Path) -> pd.DataFrame | None:
    files = sorted(directory.glob("*.parquet"))
    if not files:
        return None
    return pd.concat((read_parquet(f) for f in files), ignore_index=True)


def standardise_partition(layout: DataLayout, sources: list, run_date: str) -> SilverResult:
    """`sources`: the SourceConfig objects (name, entity, date_formats, phone_region) of sources.yaml."""
    by_entity: dict[str, list[pd.DataFrame]] = {name: [] for name in ENTITIES}
    persons: list[pd.DataFrame] = []
    result = SilverResult()
    for source in sources:
        bronze = read_parquet_dir(layout.bronze(source.name, run_date))
        if bronze is None or bronze.empty:
            continue
        entity = ENTITIES[source.entity]
        region = getattr(source, "phone_region", "CN") or "CN"
        formats = list(getattr(source, "date_formats", []) or [])
        silver = standardise(bronze, entity, formats, region, getattr(source, "serial_dates", True))
        by_entity[entity.name].append(silver)
        persons.append(build_person_records(bronze, entity.name, source.name, region=region))
        result.rows_by_source[source.name] = len(silver)
    for name, frames in by_entity.items():
        frame = pd.concat(frames, ignore_index=True) if frames else empty_silver(ENTITIES[name])
        result.paths[name] = write_parquet_atomic(frame, layout.silver(name, run_date))
        result.rows[name] = len(frame)
    person_frame = pd.concat(persons, ignore_index=True) if persons else empty_persons()
    result.paths[PERSON] = write_parquet_atomic(person_frame, layout.silver(PERSON, run_date))
    result.persons = len(person_frame)
    return result


def empty_persons() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="string") for c in ENTITIES["contact"].column_names})
    frame["_source"] = pd.Series(dtype="string")
    return build_person_records(frame, "contact", "none").iloc[0:0]
