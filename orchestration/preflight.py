"""Checks `customer360 run` makes before starting Dagster, so a bad date or an unwritable data directory is
one line on the terminal, not a traceback from deep inside a run."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


class PreflightError(ValueError):
    """A reason the run cannot start, phrased as one line with its fix."""


def check_partition(partition: str) -> None:
    """`partition` is a YYYY-MM-DD date inside the job's daily partition set (assets/partitions.py)."""
    from assets.partitions import PartitionOutOfRange, check_run_date

    try:
        check_run_date(partition)
    except PartitionOutOfRange as exc:
        raise PreflightError(str(exc)) from None


def check_landing(landing: str) -> None:
    """A local landing zone exists (an S3 zone is checked by the run itself)."""
    if not landing.startswith("s3://") and not Path(landing).is_dir():
        raise PreflightError(
            f"landing zone {landing} does not exist — create it, mount it or set C360_LANDING"
        )


def check_writable(data_dir: Path) -> None:
    """The data directory exists (or can be created) and a file can be written in it."""
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=".c360-write-check-", dir=data_dir)
        os.close(fd)
        os.unlink(name)
    except OSError as exc:
        raise PreflightError(
            f"data directory {data_dir} is not writable ({exc.strerror}) — fix its permissions or set C360_DATA_DIR"
        ) from None
