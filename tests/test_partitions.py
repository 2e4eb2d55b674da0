"""assets/partitions.py: the first partition covers the history delivered; dates outside are one-line errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from assets.partitions import (
    DEFAULT_START,
    PartitionOutOfRange,
    check_run_date,
    daily_partitions,
    earliest_dated_folder,
    partition_start,
)


def test_start_is_the_earliest_dated_landing_folder(tmp_path: Path) -> None:
    for folder in ("zoho/2025-02-01", "crm/vendor/dt=2024-03-05", "orders/run_date=2024-11-30", "misc"):
        (tmp_path / folder).mkdir(parents=True)
    (tmp_path / "notes_2019-01-01.csv").write_text("a file, not a delivery folder")
    (tmp_path / ".tmp" / "2001-01-01").mkdir(parents=True)  # hidden: not a delivery
    assert earliest_dated_folder(tmp_path) == "2024-03-05"
    assert partition_start({"C360_LANDING": str(tmp_path)}) == "2024-03-05"


def test_setting_wins_and_the_default_covers_an_undated_landing_zone(tmp_path: Path) -> None:
    (tmp_path / "zoho" / "2025-02-01").mkdir(parents=True)
    env = {"C360_LANDING": str(tmp_path), "C360_PARTITION_START": "2023-07-01"}
    assert partition_start(env) == "2023-07-01"
    assert partition_start({"C360_LANDING": str(tmp_path / "zoho" / "2025-02-01")}) == DEFAULT_START
    assert partition_start({"C360_LANDING": "s3://bucket/prefix"}) == DEFAULT_START  # no listing at load
    with pytest.raises(PartitionOutOfRange, match="C360_PARTITION_START='July' is not a date"):
        partition_start({"C360_PARTITION_START": "July"})


def test_the_sample_history_can_be_backfilled() -> None:
    """2024–25 deliveries: inside the default range, so the UI and `customer360 run --date` accept them."""
    keys = daily_partitions.get_partition_keys()
    assert "2024-01-01" in keys and "2025-12-31" in keys
    assert check_run_date("2024-06-15") == "2024-06-15"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "2019-12-31",
            "outside the run_date partitions: before the first, 2020-01-01 — set C360_PARTITION_START",
        ),
        ("2999-01-01", "outside the run_date partitions: the last is today"),
        ("15/06/2024", "is not a date — use YYYY-MM-DD"),
    ],
)
def test_dates_out_of_range_are_one_line_errors(value: str, message: str) -> None:
    with pytest.raises(PartitionOutOfRange) as error:
        check_run_date(value, start="2020-01-01")
    assert message in str(error.value) and "\n" not in str(error.value)


def test_today_is_the_last_partition() -> None:
    from zoneinfo import ZoneInfo

    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    assert check_run_date(today, start="2020-01-01", timezone="Asia/Shanghai") == today
