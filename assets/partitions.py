"""The daily partition: one nightly run = one run_date, from a start date that covers the landing zone's history.

The first partition is `C360_PARTITION_START` when set, else the earliest dated landing folder
(`2024-03-01/`, `dt=2024-03-01/`, …) of a local landing zone, else `DEFAULT_START`. So the history already
delivered can be backfilled from the UI and the CLI; a date outside the range is a one-line error.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

from assets.layout import REPO_ROOT
from linkage.standardise.dates import TIMEZONE

START_ENV = "C360_PARTITION_START"
DEFAULT_START = "2020-01-01"
_SCAN_DEPTH = 4  # dated folders sit near the top: <source>/<date>/file or <source>/<vendor>/dt=<date>/file


class PartitionOutOfRange(ValueError):
    """A run date before the first partition, after today, or not a date."""


def earliest_dated_folder(landing: Path, depth: int = _SCAN_DEPTH) -> str | None:
    """The smallest YYYY-MM-DD folder name under `landing` (directories only, `depth` levels down)."""
    from assets.ingest.landing import key_date

    earliest: str | None = None
    frontier = [landing] if landing.is_dir() else []
    for _ in range(depth):
        children = [p for d in frontier for p in d.iterdir() if p.is_dir() and not p.name.startswith(".")]
        for folder in children:
            date = key_date(folder.name + "/x")
            if date and (earliest is None or date < earliest):
                earliest = date
        frontier = children
    return earliest


def partition_start(environ: dict[str, str] | None = None) -> str:
    """The first partition date: the setting, else the landing zone's earliest dated folder, else the default."""
    env = os.environ if environ is None else environ
    setting = env.get(START_ENV, "").strip()
    if setting:
        try:
            return dt.date.fromisoformat(setting).isoformat()
        except ValueError:
            raise PartitionOutOfRange(f"{START_ENV}={setting!r} is not a date; fix: use YYYY-MM-DD") from None
    landing = env.get("C360_LANDING") or str(Path(env.get("C360_DATA_DIR") or REPO_ROOT / "data") / "landing")
    found = None if landing.startswith("s3://") else earliest_dated_folder(Path(landing))
    return found or DEFAULT_START


def check_run_date(value: str, start: str | None = None, timezone: str = TIMEZONE) -> str:
    """`value` as a partition key, or PartitionOutOfRange with one line saying which dates are valid."""
    start = start or daily_partitions.start.date().isoformat()
    try:
        date = dt.date.fromisoformat(value)
    except ValueError:
        raise PartitionOutOfRange(f"--date {value!r} is not a date — use YYYY-MM-DD") from None
    last = dt.datetime.now(ZoneInfo(timezone)).date() + dt.timedelta(days=1)  # end_offset=1: today's run
    if date.isoformat() < start:
        raise PartitionOutOfRange(
            f"--date {date} is outside the run_date partitions: before the first, {start} — set {START_ENV}"
            " to an earlier date to backfill it"
        )
    if date >= last:
        raise PartitionOutOfRange(
            f"--date {date} is outside the run_date partitions: the last is today, {last - dt.timedelta(days=1)}"
        )
    return date.isoformat()


daily_partitions = dg.DailyPartitionsDefinition(start_date=partition_start(), timezone=TIMEZONE, end_offset=1)


def today(timezone: str = TIMEZONE) -> str:
    """Today's partition key in the partitions' timezone."""
    return dt.datetime.now(ZoneInfo(timezone)).date().isoformat()
