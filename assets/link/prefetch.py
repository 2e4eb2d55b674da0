"""The link step's reads of last night's linkage, done ahead beside ingest and standardise (assets/background.py).

What an incremental night reads of linkage/ before it links — the stored state, last night's customer file and
match pairs — is final once the erasure step (which may rewrite them) is done: nothing else of the run writes
linkage/ before the link step. Started when a raw step has loaded a new landing file (raw steps run after the
erasure step) on a night that will link incrementally (the judgement the warm dbt process uses,
assets/dbt/defs.py warm_dbt_pays), the link step takes them instead of reading them on the night's critical
path. A night without new files reads nothing ahead (its link step is skipped: the reads would only cost it
time), and a full night reads them itself, so they do not sit beside its peak. Only planned where they pay
(`read_ahead_pays`: more than two cores, or C360_LINK_READ_AHEAD).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assets import background
from assets.layout import DataLayout
from assets.link import table_reads
from assets.link.io import read_previous, read_previous_table, read_state, state_dir, state_files
from linkage.cores import usable_cores

STATE, XREF, PAIRS = "link.state", "link.customer_xref", "link.match_pairs"


def link_reads(directory: Path) -> dict[str, tuple[Callable[[], Any], list[Path]]]:
    """Each read ahead: its work and the files it reads (their identity tells a rewritten input)."""
    return {
        STATE: (lambda: read_state(directory), [state_dir(directory)]),
        XREF: (lambda: read_previous(directory, "customer_xref"), [directory / "customer_xref.parquet"]),
        PAIRS: (lambda: read_previous_table(directory, "match_pairs"), [directory / "match_pairs.parquet"]),
    }


def start_link_reads(directory: Path) -> None:
    for name, (fn, inputs) in link_reads(directory).items():
        background.start(name, fn, inputs)


def take_link_read(directory: Path, name: str) -> Any:
    """The read `name` of linkage/ in `directory`: done ahead when it still holds, else now."""
    fn, inputs = link_reads(directory)[name]
    return background.take(name, fn, inputs)


def discard_link_reads() -> None:
    """A night that does not link incrementally after all frees what was read ahead."""
    for name in (STATE, XREF, PAIRS):
        background.discard(name)
    table_reads.discard_reads()


def start_table_reads(directory: Path) -> None:
    """At the start of a link step that reads last night's linkage: its files decoded in a thread in the
    order the step takes them (assets/link/table_reads.py): the customer file, the state's files, the match
    pairs. The files of a read done ahead whole (`start_link_reads`) are left to it."""
    files = {
        XREF: [directory / "customer_xref.parquet"],
        STATE: state_files(directory),
        PAIRS: [directory / "match_pairs.parquet"],
    }
    table_reads.start_reads(
        path
        for name, paths in files.items()
        if not background.under_way(name)
        for path in paths
        if path.exists()
    )


READ_AHEAD = "C360_LINK_READ_AHEAD"  # 1 / 0: read ahead or not; unset: only with more than two cores


def read_ahead_pays(cores: int | None = None) -> bool:
    """Whether the reads ahead are planned. On two cores they do not pay: the warm dbt process's parse already
    uses the second core beside ingest, and read_state's pandas conversion holds the GIL, so ingest slowed by
    about what the link step saved, while holding last night's linkage through ingest (150k customers, 1% night,
    quiet replays alternated: 27.2, 26.8, 27.2, 27.4 s with them; 25.8, 26.4, 27.3, 27.5, 27.6 s without)."""
    chosen = os.environ.get(READ_AHEAD, "").strip()
    if chosen:
        return chosen != "0"
    return (usable_cores() if cores is None else cores) > 2


def planned_link_reads(layout: DataLayout, links_incrementally: bool) -> background.Plan:
    """For `background_run`: the reads started once a raw step loaded a new file, on a night that links
    incrementally (assets/dbt/defs.py warm_dbt_pays) when they pay (`read_ahead_pays`)."""
    if not (links_incrementally and read_ahead_pays()):
        return {}
    return background.plan(background.NEW_FILES_LOADED, lambda: start_link_reads(layout.linkage_dir))
