"""Landing globs, dated folders and partial uploads (S3 itself: tests/test_s3.py)."""

from __future__ import annotations

import pytest

from assets.ingest.landing import LocalLanding, glob_regex, key_date, literal_folder


@pytest.mark.parametrize(
    ("pattern", "key", "hit"),
    [
        ("crm/*.csv", "crm/a.csv", True),
        ("crm/*.csv", "crm/2026-03-01/a.csv", False),
        ("crm/**/*.csv*", "crm/a.csv.gz", True),
        ("crm/**/*.csv*", "crm/2026/03/01/a.csv", True),
        ("crm/**/*.csv*", "crmx/a.csv", False),
        ("orders/?.xlsx", "orders/1.xlsx", True),
    ],
)
def test_glob(pattern, key, hit):
    assert bool(glob_regex(pattern).match(key)) is hit


@pytest.mark.parametrize(
    ("key", "day"),
    [
        ("crm/2026-03-01/a.csv", "2026-03-01"),
        ("crm/dt=2026-03-01/a.csv", "2026-03-01"),
        ("crm/export_2026-03-01/a.csv", "2026-03-01"),
        ("crm/a_2026-03-01.csv", None),  # a date in the file name does not pin the partition
        ("crm/a.csv", None),
    ],
)
def test_key_date(key, day):
    assert key_date(key) == day


def test_local_listing_skips_partial_uploads_and_lock_files(tmp_path):
    for name in ("a.csv", ".hidden.csv", "~$a.xlsx", "b.csv.part", "c.csv.tmp", "sub/d.csv"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    keys = [f.key for f in LocalLanding(tmp_path).list("s", "**/*")]
    assert keys == ["a.csv", "sub/d.csv"]


@pytest.mark.parametrize(
    ("glob", "folder"),
    [("crm/**/*.csv", "crm/"), ("exports/crm/a?.csv", "exports/crm/"), ("*.csv", ""), ("a.csv", "")],
)
def test_literal_folder_bounds_s3_listing(glob, folder):
    assert literal_folder(glob) == folder
