"""XLSX rows: calamine's fast path reads what openpyxl reads; error cells send a workbook to openpyxl."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from assets.ingest import workbook
from assets.ingest.readers import cell_text
from assets.ingest.workbook import WorkbookError, has_error_cells, open_sheet
from assets.layout import REPO_ROOT

CELLS = [
    ["id", "when", "day", "at", "qty", "price", "big_id", "flag", "text", None],
    ["A1", dt.datetime(2024, 3, 9, 16, 40, 5, 123000), dt.date(2024, 1, 2), dt.time(10, 30), 2, 10.5,
     1234567890123456, True, " 007 ", None],
    [None, None, None, None, None, None, None, None, None, None],
    ["A2", "2024-01-02", "31/31/2025", "=1+1", -3, 0.1, 4876876000021289767, False, "张三", "tail"],
]  # fmt: skip


def _save(path: Path, rows: list[list], at: str = "A1", second: bool = False) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    col, row = openpyxl.utils.cell.coordinate_from_string(at)
    first_col = openpyxl.utils.cell.column_index_from_string(col)
    for r, values in enumerate(rows):
        for c, v in enumerate(values):
            if v is not None:
                ws.cell(row=row + r, column=first_col + c, value=v)
    ws.cell(row=row, column=first_col).number_format = "General"
    if second:
        wb.create_sheet("Other").append(["other"])
    wb.save(path)
    return path


def _texts(path: Path, sheet, reader) -> list[list[str]]:
    ws = reader(path, sheet)
    try:
        rows = [[cell_text(v) or "" for v in row] for row in ws.rows]
    finally:
        ws.close()
    width = max(map(len, rows))
    return [r + [""] * (width - len(r)) for r in rows]


@pytest.mark.parametrize("at", ["A1", "C4"])
def test_calamine_reads_what_openpyxl_reads(tmp_path, at):
    path = _save(tmp_path / "w.xlsx", CELLS, at, second=True)
    assert not has_error_cells(path)
    fast = _texts(path, "Data", workbook._calamine_sheet)
    exact = _texts(path, "Data", workbook._openpyxl_sheet)
    assert fast == exact
    top = int(at[1:])  # the row after the header
    assert fast[top][ord(at[0]) - ord("A") :][:7] == ["A1", "2024-03-09 16:40:05.123000", "2024-01-02",
                                                        "10:30:00", "2", "10.5", "1234567890123456"]  # fmt: skip


def test_error_cells_are_read_by_openpyxl(tmp_path, monkeypatch):
    path = _save(tmp_path / "e.xlsx", [["id", "store"], ["O1", "#N/A"]])
    assert has_error_cells(path)
    monkeypatch.setattr(workbook, "_calamine_sheet", None)  # calamine would read #N/A as an empty cell
    ws = open_sheet(path, None)
    assert [list(r) for r in ws.rows] == [["id", "store"], ["O1", "#N/A"]]
    ws.close()


def test_sheet_by_index_and_missing_sheet(tmp_path):
    path = _save(tmp_path / "s.xlsx", [["x"]], second=True)
    ws = open_sheet(path, 1)
    assert ws.title == "Other"
    ws.close()
    with pytest.raises(WorkbookError, match="sheet 'Nope' missing"):
        open_sheet(path, "Nope")
    with pytest.raises(WorkbookError, match="sheet index 5 missing"):
        open_sheet(path, 5)


def test_rows_read_the_same_whether_empty_cells_are_none_or_blank():
    # openpyxl gives None for an empty cell, calamine "": the batches (rows, blank lines, row errors) agree.
    from assets.ingest.readers import _xlsx_batches

    def batch(empty):
        rows = [
            ["O1", empty, 2.0],  # a short row of a three-column header: padded
            [empty, empty, empty, empty],  # blank
            ["O2", "x", 3.0, empty, "stray"],  # a value beyond the header: a row error
            ["O3", dt.date(2024, 1, 2), True, empty],
        ]
        (out,) = _xlsx_batches(lambda: None, iter(rows), ["id", "a", "b"], 1)
        return out.table.to_pylist(), out.lines.tolist(), out.blank_rows, [vars(e) for e in out.errors]

    table, lines, blank, errors = batch(None)
    assert (table, lines, blank, errors) == batch("")
    assert table == [{"id": "O1", "a": "", "b": "2"}, {"id": "O3", "a": "2024-01-02", "b": "TRUE"}]
    assert (lines, blank) == ([2, 5], 1)
    assert errors[0]["line"] == 4 and errors[0]["reason"] == "expected 3 cells, found 4"
    assert errors[0]["text"] == '["O2", "x", "3", null, "stray"]'


def test_a_workbook_calamine_reads_does_not_import_openpyxl(tmp_path):
    """openpyxl (~0.08 s of CPU to import) is loaded for workbooks with error cells or broken ones only."""
    path = _save(tmp_path / "w.xlsx", CELLS)
    script = f"""
import sys
from pathlib import Path
from assets.ingest.config import SourceConfig
from assets.ingest.readers import FileInfo, read_file
cfg = SourceConfig(name="crm", entity="contact", glob="crm/*", format="xlsx", columns={{"id": "source_record_id", "text": "full_name"}},
                   primary_key=["source_record_id"])
rows = sum(batch.table.num_rows for batch in read_file(Path({str(path)!r}), cfg, FileInfo()))
assert rows > 0, rows
assert "openpyxl" not in sys.modules, "openpyxl imported"
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
