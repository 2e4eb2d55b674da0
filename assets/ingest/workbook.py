"""Rows of one XLSX worksheet as Python values, through calamine (Rust) and, when needed, openpyxl.

calamine parses a sheet ~10× faster than openpyxl, which parses the XML in Python (and, for a sheet without a
`<dimension>` tag, parses it twice). calamine reads a formula's error value (`#N/A`, `#REF!`) as an empty cell,
and validation must see those: a workbook whose worksheets hold an error cell (`t="e"`, found by one byte scan
of the decompressed sheets) is read by openpyxl instead, which keeps them as text.

Rows come from the sheet's first row and column (the empty columns before calamine's first used cell are put
back), so line numbers and cell positions are those of the sheet. An empty cell is None or ''.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

_ERROR_CELL = re.compile(rb"""\st\s*=\s*["']e["']""")
_SCAN_BYTES = 4 << 20


class WorkbookError(ValueError):
    """Not a readable workbook, or the sheet asked for is not in it."""


@dataclass
class SheetRows:
    title: str
    rows: Iterator[tuple | list]  # one sequence of cell values per sheet row, from row 1
    close: Callable[[], None]


def has_error_cells(path: Path) -> bool:
    """Whether any worksheet part of the workbook holds an error-typed cell (`<c … t="e">`)."""
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            with zf.open(name) as part:
                tail = b""
                while chunk := part.read(_SCAN_BYTES):
                    window = tail + chunk
                    if (b'"e"' in window or b"'e'" in window) and _ERROR_CELL.search(window):  # memchr first
                        return True
                    tail = chunk[-16:]
    return False


def _pick(names: list[str], sheet: str | int | None) -> str:
    if sheet is None:
        if not names:
            raise WorkbookError("the workbook has no worksheet")
        return names[0]
    if isinstance(sheet, int):
        if sheet >= len(names):
            raise WorkbookError(f"sheet index {sheet} missing; workbook has {names}")
        return names[sheet]
    if sheet not in names:
        raise WorkbookError(f"sheet {sheet!r} missing; workbook has {names}")
    return sheet


def open_sheet(path: Path, sheet: str | int | None) -> SheetRows:
    """The rows of worksheet `sheet` (name, index among worksheets, or None for the first)."""
    with zipfile.ZipFile(path):  # a cut download: BadZipFile, named as such in the file's error
        pass
    return _openpyxl_sheet(path, sheet) if has_error_cells(path) else _calamine_sheet(path, sheet)


def _calamine_sheet(path: Path, sheet: str | int | None) -> SheetRows:
    from python_calamine import CalamineWorkbook, SheetTypeEnum

    wb = CalamineWorkbook.from_path(str(path))
    names = [m.name for m in wb.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
    try:
        title = _pick(names, sheet)
        ws = wb.get_sheet_by_name(title)
    except BaseException:
        wb.close()
        raise
    return SheetRows(title, _from_origin(ws.iter_rows(), ws.start), wb.close)


def _from_origin(rows: Iterator[list], start: tuple[int, int] | None) -> Iterator[list]:
    """calamine's rows as the sheet's rows from A1: its iterator starts at row 1 but at the first used column
    (python-calamine 0.9; tests/test_ingest_workbook.py holds it to openpyxl's rows)."""
    left = start[1] if start else 0
    if not left:
        yield from rows
        return
    pad = [None] * left
    for row in rows:
        yield pad + row


def _openpyxl_sheet(path: Path, sheet: str | int | None) -> SheetRows:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        title = _pick([ws.title for ws in wb.worksheets], sheet)
    except BaseException:
        wb.close()
        raise
    return SheetRows(title, wb[title].iter_rows(values_only=True), wb.close)
