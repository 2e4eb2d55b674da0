"""The sample's streaming XLSX writer round-trips through openpyxl (the reader ingest uses)."""

from __future__ import annotations

import datetime as dt

import openpyxl

from assets.sample.xlsx import write_xlsx


def test_round_trip_through_openpyxl(tmp_path):
    rows = [
        ["text", "number", "when", "bool"],
        ['<a & "b">', 42, dt.datetime(2024, 3, 5, 10, 22), True],
        ["张伟\x01", 12.5, dt.date(2024, 1, 31), None],
        ["=1+2", 45658, "2024/03/05", ""],
    ]
    path = tmp_path / "x.xlsx"
    write_xlsx(path, {"Orders": rows, "汇总": [["a"]]})
    wb = openpyxl.load_workbook(path, read_only=True)
    assert wb.sheetnames == ["Orders", "汇总"]
    got = list(wb["Orders"].iter_rows(values_only=True))
    assert got[1] == ('<a & "b">', 42, dt.datetime(2024, 3, 5, 10, 22), True)
    assert got[2] == ("张伟", 12.5, dt.datetime(2024, 1, 31))  # empty trailing cells are not written
    assert got[3] == ("=1+2", 45658, "2024/03/05")  # a formula-looking string stays a string


def test_same_rows_same_bytes(tmp_path):
    write_xlsx(tmp_path / "a.xlsx", {"S": [[1, "x"]]})
    write_xlsx(tmp_path / "b.xlsx", {"S": [[1, "x"]]})
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
