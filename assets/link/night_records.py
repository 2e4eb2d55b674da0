"""The person records an incremental night reads: only those of the silver/person files added since the last
linkage, instead of every record of the file.

A record's linked version is all its rows merged (assets/link/io.merge_person_versions). When the night only
added files, every record none of them holds is exactly as the state stored it, so the night reads the
records the new files name (merged with their earlier rows) and the records the stewards' decisions name (to
tell stale decisions), and linkage/incremental.py takes every other record from the state. A night that
changed or removed a file (an erasure, a re-standardised day), or a state without what this needs (written
by an older version, no stored records), reads every record as before.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from assets.parquet_files import read_parquet
from linkage.state import LinkageState

log = logging.getLogger(__name__)


def added_files(pattern: str, inputs: dict[str, str], linked_from: dict[str, str]) -> list[str] | None:
    """The person files (`pattern`'s folder, relative to the data root as the keys of `inputs`) added since
    the state was linked from `linked_from`; None when one of its files changed or holds no rows now (every
    record must be read again)."""
    folder = Path(pattern).parent.parent.as_posix()
    now = {p: v for p, v in inputs.items() if p.startswith(folder)}
    before = {p: v for p, v in linked_from.items() if p.startswith(folder)}
    changed = [p for p, v in before.items() if now.get(p) != v]
    if changed:
        log.info("linkage reads every person record: %d person file(s) changed or emptied since the last "
                 "linkage, e.g. %s", len(changed), changed[0])  # fmt: skip
        return None
    if not before:  # the state names no file here (written by an older version): every file is new
        log.info("linkage reads every person record: the state names none of the person files")
        return None
    return sorted(set(now) - set(before))


def stored_enough(state: LinkageState | None) -> bool:
    """Whether `state` holds the prepared records a night reading only its new records takes the others
    from."""
    if state is None or state.records is None:
        log.info("linkage reads every person record: the stored state has no prepared records")
        return False
    return True


def entities_stored(state: LinkageState, persons: pd.DataFrame) -> bool:
    """Whether the state holds the entity of each record when the person records have one (a state written
    by an older version has not)."""
    if "entity" in persons and "entity" not in state.digests:
        log.info("linkage reads every person record: the stored state has no record entities (older version)")
        return False
    return True


def night_keys(files: list[Path], decided: pd.DataFrame | None) -> pd.DataFrame:
    """(source, source_record_id) of every record of `files` and of each side of the `decided` pairs."""
    parts = [read_parquet(Path(f), columns=["source", "source_record_id"]) for f in files]
    if decided is not None and len(decided):
        for side in ("l", "r"):
            parts.append(
                decided[[f"source_{side}", f"id_{side}"]].set_axis(["source", "source_record_id"], axis=1)
            )
    if not parts:
        return pd.DataFrame({"source": pd.Series(dtype=str), "source_record_id": pd.Series(dtype=str)})
    keys = pd.concat(parts, ignore_index=True).astype(str)
    return keys.drop_duplicates(ignore_index=True)
