"""Which silver partitions the current standardisation rules did not write, and whether bronze can rebuild them.

Each run_date's silver files are stamped, once all of them are in place, with the STANDARDISE_RULES they were
written under (silver/_rules/run_date=<d>.json). A partition stamped with other rules — or not at all: written
before stamps, or by a run killed between its files — is stale: the night re-standardises it from bronze
(assets/standardise/defs.py), unless bronze no longer holds every row its silver files hold (a source dropped
from sources.yaml, files removed by hand), which is reported instead of silently keeping the old rows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from assets.entities import ENTITIES
from assets.layout import DataLayout
from assets.parquet_files import open_parquet
from assets.temp_area import write_text_atomically
from linkage import standardise

PERSON_FOLDER = "person"  # every standardised partition writes a person file, even when empty


def stamp_path(layout: DataLayout, run_date: str) -> Path:
    return layout.root / "silver" / "_rules" / f"run_date={run_date}.json"


def stamp(layout: DataLayout, run_date: str) -> None:
    """Record that `run_date`'s silver files were written under the current rules (after they are in place)."""
    path = stamp_path(layout, run_date)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomically(path, json.dumps({"standardise_rules": standardise.STANDARDISE_RULES}))


def stamped_rules(layout: DataLayout, run_date: str) -> int | None:
    """The rules `run_date`'s silver files were written under (None: no stamp)."""
    path = stamp_path(layout, run_date)
    if not path.exists():
        return None
    return int(json.loads(path.read_text()).get("standardise_rules", 0))


def silver_dates(layout: DataLayout) -> list[str]:
    """Every run_date with silver files."""
    folder = layout.root / "silver" / PERSON_FOLDER
    if not folder.exists():
        return []
    return sorted(p.name.removeprefix("run_date=") for p in folder.glob("run_date=*") if p.is_dir())


@dataclass
class Stale:
    rebuildable: list[str] = field(default_factory=list)  # bronze holds every row of their silver files
    bronze_gone: dict[str, str] = field(default_factory=dict)  # run_date -> what bronze is missing


def stale_dates(layout: DataLayout) -> list[str]:
    """The run_dates whose silver files are not stamped with the current rules: one small file read per day."""
    return [d for d in silver_dates(layout) if stamped_rules(layout, d) != standardise.STANDARDISE_RULES]


def stamped_since(layout: DataLayout, since: float) -> list[str]:
    """The run_dates stamped at or after `since` (a POSIX time)."""
    folder = stamp_path(layout, "").parent
    found = (
        [p for p in folder.glob("run_date=*.json") if p.stat().st_mtime >= since] if folder.exists() else []
    )
    return sorted(p.name.removeprefix("run_date=").removesuffix(".json") for p in found)


def stale_partitions(layout: DataLayout, sources: list, skip: list[str] = ()) -> Stale:
    """The silver partitions (but `skip`) not stamped with the current rules, by whether bronze can rebuild
    them."""
    out = Stale()
    for day in stale_dates(layout):
        if day in skip:
            continue
        if missing := missing_bronze(layout, sources, day):
            out.bronze_gone[day] = missing
        else:
            out.rebuildable.append(day)
    return out


def _rows(paths: list[Path]) -> int:
    return sum(open_parquet(p).metadata.num_rows for p in paths)


def missing_bronze(layout: DataLayout, sources: list, run_date: str) -> str:
    """'' when bronze holds at least the rows of every silver file of `run_date` (silver has one row per bronze
    row of its entity's sources), else which entity lacks how many."""
    gaps = []
    for entity in ENTITIES:
        silver = layout.silver(entity, run_date)
        held = _rows([silver]) if silver.exists() else 0
        bronze = [
            p
            for s in sources
            if ENTITIES[s.entity].name == entity
            for p in layout.bronze(s.name, run_date).glob("*.parquet")
        ]
        if held > (kept := _rows(bronze)):
            gaps.append(f"{entity}: {held} silver rows, {kept} in bronze")
    return "; ".join(gaps)
