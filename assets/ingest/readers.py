"""File readers: every format becomes batches of verbatim strings with the physical line of each record.

Nothing is trimmed, coerced or NULL-guessed here: `NA`, `Null`, `007` and `=1+1` stay the text they were.
Rows that cannot be parsed (wrong field count, broken JSON) come back as `RowError`s, never dropped.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, NamedTuple, TextIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from assets.ingest.config import SourceConfig
from assets.ingest.encoding import (
    UnreadableFile,
    decode_sample,
    detect_file_encoding,
    open_binary,
    read_sample,
    sniff_delimiter,
    text_stream,
)
from assets.ingest.json_array import JsonArrayError, iter_json_records

BATCH_ROWS = 100_000
CSV_BLOCK_BYTES = 8 << 20


@dataclass
class RowError:
    line: int
    reason: str
    text: str
    check: str = "parseable_row"  # the quarantine check it is reported under


@dataclass
class Batch:
    table: pa.Table  # one string column per header (names as in the file, de-duplicated)
    lines: np.ndarray  # int64, 1-based physical line of each row
    errors: list[RowError] = field(default_factory=list)
    blank_rows: int = 0
    json_cells: dict[str, np.ndarray] = field(default_factory=dict)  # column -> cells holding JSON, not text
    # columns a JSON reader added for the leaves of nested objects ('profile.birthday'): mappable, but kept in
    # `_extra` only as part of their top-level object
    paths: frozenset[str] = frozenset()


@dataclass
class FileInfo:
    encoding: str = ""
    delimiter: str = ""
    headers: list[str] = field(default_factory=list)


def unique_headers(headers: list[str]) -> list[str]:
    """Keep header text verbatim; a repeated header gets ' (2)', ' (3)'… so no column is lost."""
    seen: dict[str, int] = {}
    out = []
    for h in headers:
        n = seen.get(h, 0) + 1
        seen[h] = n
        out.append(h if n == 1 else f"{h} ({n})")
    return out


def read_file(path: Path, cfg: SourceConfig, info: FileInfo) -> Iterator[Batch]:
    """Batches of the file at `path` read as `cfg.format`; fills `info` (encoding, delimiter, headers)."""
    fmt = cfg.format
    if fmt in ("csv", "tsv"):
        return _read_csv(path, cfg, info)
    if fmt == "xlsx":
        return _read_xlsx(path, cfg, info)
    if fmt == "jsonl":
        return _read_jsonl(path, cfg, info)
    return _read_json(path, cfg, info)


def _encoding(path: Path, cfg: SourceConfig) -> tuple[str, bytes]:
    sample = read_sample(path)
    enc = cfg.encoding if cfg.encoding != "auto" else detect_file_encoding(path, sample)
    return enc, sample


# ---------------------------------------------------------------- CSV / TSV
def _line_breaks(column: pa.ChunkedArray | pa.Array) -> np.ndarray | None:
    """Line breaks inside each value (quoted multi-line fields), or None when there are none.

    Fast path: one memchr over the column's value buffer (a multi-line field is rare); only a buffer
    holding a CR or LF pays for the per-value regex count.
    """
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    if not any(_buffer_has_break(c) for c in chunks):
        return None
    return pc.count_substring_regex(column, r"\r\n|\r|\n").to_numpy(zero_copy_only=False).astype(np.int64)


def _buffer_has_break(chunk: pa.Array) -> bool:
    if chunk.type != pa.string():
        return True  # not the layout we scan: take the exact path
    data = chunk.buffers()[2]
    if data is None:  # every value empty
        return False
    raw = data.to_pybytes()
    return b"\n" in raw or b"\r" in raw


def _text_breaks(text: str) -> int:
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def _read_csv(path: Path, cfg: SourceConfig, info: FileInfo) -> Iterator[Batch]:
    enc, sample = _encoding(path, cfg)
    head = decode_sample(sample, enc).lstrip("\ufeff")
    if not head.strip():
        raise UnreadableFile("empty file: no header row")
    delim = "\t" if cfg.format == "tsv" and cfg.delimiter == "auto" else cfg.delimiter
    if delim == "auto":
        delim = sniff_delimiter("\n".join(head.splitlines()[cfg.skip_rows :][:50]))
    reader = csv.reader(io.StringIO(head, newline=""), delimiter=delim)
    header: list[str] | None = None
    try:
        for _ in range(cfg.skip_rows):
            next(reader)
        header = next(reader)
        for _ in range(cfg.skip_rows_after_header):
            next(reader)
    except StopIteration:
        if header is None:
            raise UnreadableFile(f"no header row after skipping {cfg.skip_rows} rows") from None
    except csv.Error as exc:
        raise UnreadableFile(f"unparseable header: {exc}") from None
    head_records = cfg.skip_rows + 1 + cfg.skip_rows_after_header
    header_breaks = reader.line_num - head_records
    names = unique_headers([h or f"column {i + 1}" for i, h in enumerate(header)])
    info.encoding, info.delimiter, info.headers = enc, delim, names
    return _csv_batches(path, enc, delim, names, head_records, header_breaks)


def _csv_batches(
    path: Path, enc: str, delim: str, names: list[str], head_records: int, header_breaks: int
) -> Iterator[Batch]:
    bad: list[tuple[int, str]] = []  # (record number, text) of rows with the wrong field count

    def on_invalid(row: pacsv.InvalidRow) -> str:
        bad.append((row.number, row.text or ""))
        return "skip"

    internal = [f"c{i}" for i in range(len(names))]
    arrow_enc = "utf8" if enc in ("utf-8", "utf-8-sig") else enc
    stream = _TailKeeper(open_binary(path))
    try:
        reader = pacsv.open_csv(
            stream,
            read_options=pacsv.ReadOptions(
                use_threads=False,
                block_size=CSV_BLOCK_BYTES,
                column_names=internal,
                skip_rows=head_records,
                encoding=arrow_enc,
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delim,
                quote_char='"',
                double_quote=True,
                newlines_in_values=True,
                ignore_empty_lines=False,
                invalid_row_handler=on_invalid,
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(internal, pa.string()),
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                null_values=[],
            ),
        )
        next_record = head_records + 1  # record number of the next unconsumed record
        breaks_before = header_breaks
        held: Batch | None = None  # one batch of lookahead: the last row may need re-reading
        for rb in reader:
            batch = pa.Table.from_batches([rb]).rename_columns(names)
            n = batch.num_rows
            pending = [b for b in bad if b[0] >= next_record]
            shift = np.array([b[0] for b in pending], dtype=np.int64) - np.arange(len(pending))
            provisional = next_record + np.arange(n, dtype=np.int64)
            records = provisional + np.searchsorted(shift, provisional, side="right")
            last = int(records[-1]) if n else next_record - 1
            used = [b for b in pending if b[0] <= last]
            breaks = np.zeros(n, dtype=np.int64)
            for col in batch.columns:
                b = _line_breaks(col)
                if b is not None:
                    breaks += b
            # physical line = record number + every line break inside the records before it
            all_rec = np.concatenate([records, np.array([b[0] for b in used], dtype=np.int64)])
            all_brk = np.concatenate([breaks, np.array([_text_breaks(b[1]) for b in used], dtype=np.int64)])
            order = np.argsort(all_rec, kind="stable")
            cum = np.empty(len(order), dtype=np.int64)
            cum[order] = (
                breaks_before + np.concatenate([[0], np.cumsum(all_brk[order])[:-1]]) if len(order) else []
            )
            lines = all_rec + cum
            errors = [
                RowError(int(lines[n + i]), _field_count_reason(t, len(names), delim), t)
                for i, (_, t) in enumerate(used)
            ]
            breaks_before += int(all_brk.sum())
            next_record = last + 1
            bad[:] = [b for b in bad if b[0] > last]
            if held is not None:
                yield _drop_blank(held)
            held, held_breaks = Batch(batch, lines[:n], errors), int(breaks[-1]) if n else 0
        if held is not None:
            if (
                not bad and held.table.num_rows
            ):  # the file's last record is a parsed row: truncated inside quotes?
                _flag_unterminated(held, held_breaks, stream.tail, enc, delim)
            yield _drop_blank(held)
        if bad:  # invalid rows after the last good one
            errors = []
            for rec, text in sorted(bad):
                line = rec + breaks_before
                breaks_before += _text_breaks(text)
                errors.append(RowError(line, _field_count_reason(text, len(names), delim), text))
            yield Batch(_empty_table(names), np.zeros(0, dtype=np.int64), errors)
    except (pa.ArrowInvalid, UnicodeDecodeError, OSError, EOFError) as exc:
        raise UnreadableFile(_one_line(exc)) from None
    finally:
        stream.close()


TAIL_BYTES = 1 << 20
_NEWLINE = re.compile(r"\r\n|\r|\n")


class _TailKeeper(io.RawIOBase):
    """A read-through file object remembering the last TAIL_BYTES it served (gzip streams cannot seek back)."""

    def __init__(self, raw: BinaryIO):
        self.raw, self.tail = raw, b""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.tail = (self.tail + data)[-TAIL_BYTES:] if len(data) < TAIL_BYTES else data[-TAIL_BYTES:]
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.raw.close()
        super().close()


def _flag_unterminated(batch: Batch, breaks: int, tail: bytes, enc: str, delim: str) -> None:
    """A file cut inside a quoted field (truncated download) parses as one long last value that swallowed
    the rows after it. Re-read the last record from the file's tail; if it ends inside quotes, turn that row
    into a RowError instead of loading the merged text."""
    last_value = batch.table.column(batch.table.num_columns - 1)[-1].as_py() or ""
    swallowed_eol = last_value.endswith(("\n", "\r"))  # the file's final newline ended up inside the value
    text = _last_record_text(tail, enc, breaks + 1 - swallowed_eol)
    if text is None:
        return
    try:
        for _ in csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=True):
            pass
        return
    except csv.Error as exc:
        if "unexpected end of data" not in str(exc):
            return
    n = batch.table.num_rows
    line = int(batch.lines[-1])
    batch.table, batch.lines = batch.table.slice(0, n - 1), batch.lines[: n - 1]
    batch.errors.append(RowError(line, UNTERMINATED, text))


def _last_record_text(tail: bytes, enc: str, n_lines: int) -> str | None:
    """The last `n_lines` physical lines of the file's tail, decoded; None when they do not fit the tail
    window or the encoding cannot be decoded from the middle (UTF-16/32)."""
    if enc.startswith(("utf-16", "utf-32")):
        return None
    lines = _NEWLINE.split(tail.decode(enc, errors="replace"))
    while lines and lines[-1] == "":
        lines.pop()
    if len(lines) < n_lines + (1 if len(tail) >= TAIL_BYTES else 0):
        return None
    return "\n".join(lines[-n_lines:])


UNTERMINATED = "unterminated quoted field at end of file (truncated export?)"


def _field_count_reason(text: str, expected: int, delim: str) -> str:
    """Why a row the parser set aside has the wrong number of fields."""
    try:
        fields = next(csv.reader(io.StringIO(text, newline=""), delimiter=delim, strict=True), [])
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            return UNTERMINATED
        fields = next(csv.reader(io.StringIO(text, newline=""), delimiter=delim), [])
    return f"expected {expected} fields, found {len(fields)}"


def _one_line(exc: BaseException) -> str:
    msg = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {msg[:300]}"


def _empty_table(names: list[str]) -> pa.Table:
    return pa.table({n: pa.array([], pa.string()) for n in names})


def _drop_blank(batch: Batch) -> Batch:
    """Blank lines (every field empty) carry nothing: dropped and counted, as every CSV tool does."""
    t = batch.table
    if t.num_rows == 0 or t.num_columns == 0:
        return batch
    blank = pc.equal(pc.fill_null(t.column(0), ""), "")
    if not pc.any(blank).as_py():
        return batch  # fast path: no row starts with an empty field
    for col in t.columns[1:]:
        blank = pc.and_(blank, pc.equal(pc.fill_null(col, ""), ""))
    n_blank = pc.sum(pc.cast(blank, pa.int64())).as_py() or 0
    if n_blank:
        keep = pc.invert(blank)
        batch.table = t.filter(keep)
        batch.lines = batch.lines[np.asarray(keep.to_numpy(zero_copy_only=False), dtype=bool)]
        batch.blank_rows = n_blank
    return batch


# ---------------------------------------------------------------- XLSX
def cell_text(value: object) -> str | None:
    """A cell as the text a user sees in Excel's formula bar (dates ISO, integers without '.0')."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time() else value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:  # exact in a double
        return str(int(value))
    return str(value)


def _unreadable_workbook_errors() -> tuple[type[BaseException], ...]:
    """What opening a broken workbook raises. Imported only when one was raised: openpyxl's exceptions module
    imports all of openpyxl (~0.08 s of CPU), which a workbook calamine reads never needs."""
    import zipfile

    from openpyxl.utils.exceptions import InvalidFileException
    from python_calamine import CalamineError

    return (zipfile.BadZipFile, InvalidFileException, CalamineError, KeyError, OSError, ValueError)


def _read_xlsx(path: Path, cfg: SourceConfig, info: FileInfo) -> Iterator[Batch]:
    from assets.ingest.workbook import WorkbookError, open_sheet

    with open(path, "rb") as fh:
        if fh.read(8) == bytes.fromhex("D0CF11E0A1B11AE1"):
            raise UnreadableFile("an Excel 97-2003 .xls workbook, not XLSX: re-save it as .xlsx or CSV")
    try:
        ws = open_sheet(path, cfg.sheet)
    except WorkbookError as exc:
        raise UnreadableFile(str(exc)) from None
    except Exception as exc:
        if not isinstance(exc, _unreadable_workbook_errors()):
            raise
        raise UnreadableFile(f"not a readable XLSX workbook: {_one_line(exc)}") from None
    rows = iter(ws.rows)
    header: list[str] | None = None
    line = 0
    try:
        for raw in rows:
            line += 1
            if line == cfg.skip_rows + 1:
                header = [cell_text(v) or f"column {i + 1}" for i, v in enumerate(raw)]
            if line >= cfg.skip_rows + 1 + cfg.skip_rows_after_header:
                break
        if header is None:
            raise UnreadableFile(f"no header row in sheet {ws.title!r}")
    except BaseException:
        ws.close()
        raise
    while header and header[-1].startswith("column ") and header[-1] == f"column {len(header)}":
        header.pop()  # trailing empty header cells of a sheet's used range
    names = unique_headers(header)
    info.encoding, info.headers = "xlsx", names
    return _xlsx_batches(ws.close, rows, names, line)


def _xlsx_batches(close: Callable[[], None], rows, names: list[str], line: int) -> Iterator[Batch]:
    width = len(names)
    buf: list[list[str | None]] = []
    lines: list[int] = []
    errors: list[RowError] = []
    blank = 0

    def flush() -> Batch:
        cols = list(zip(*buf, strict=True)) if buf else [() for _ in names]
        table = pa.table({n: pa.array(c, pa.string()) for n, c in zip(names, cols, strict=True)})
        out = Batch(table, np.array(lines, dtype=np.int64), list(errors), blank)
        buf.clear(), lines.clear(), errors.clear()
        return out

    try:
        for raw in rows:
            line += 1
            values = [v if type(v) is str else cell_text(v) for v in raw]  # most cells are text already
            if not any(values):  # every cell None or ""
                blank += 1
                continue
            if len(values) > width and any(values[width:]):
                extra = [v for v in values[width:] if v]
                text = json.dumps([v or None for v in values])  # an empty cell is null, whichever reader
                errors.append(RowError(line, f"expected {width} cells, found {width + len(extra)}", text))
                continue
            if len(values) != width:
                values = values[:width] + [None] * (width - len(values))
            buf.append([v or "" for v in values])
            lines.append(line)
            if len(buf) >= BATCH_ROWS:
                yield flush()
                blank = 0
        yield flush()
    finally:
        close()


# ---------------------------------------------------------------- JSON lines / JSON
class JsonNumber(str):
    """A JSON number kept as its verbatim digits, still known to be a number (not a string)."""


def json_text(value: object) -> str | None:
    """A JSON value as verbatim text: numbers keep their digits, nested values stay JSON."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json_dump(value)


def json_dump(value: object) -> str:
    """`value` as compact JSON, numbers (JsonNumber) written as the digits they arrived with."""
    if isinstance(value, JsonNumber):
        return str.__str__(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return (
            "{"
            + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{json_dump(v)}" for k, v in value.items())
            + "}"
        )
    if isinstance(value, list):
        return "[" + ",".join(json_dump(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


class _DuplicateKeys:
    """`object_pairs_hook` remembering the first key an object repeats (a plain dict would keep the last
    value silently); `reset()` before each record."""

    def __init__(self) -> None:
        self.found: str | None = None

    def __call__(self, pairs: list[tuple[str, object]]) -> dict:
        record = dict(pairs)
        if len(record) != len(pairs) and self.found is None:
            seen: set[str] = set()
            self.found = next(k for k, _ in pairs if k in seen or seen.add(k))
        return record

    def reset(self) -> None:
        self.found = None


class _Decoder(threading.local):
    """One decoder per thread (readers run on worker threads): numbers stay verbatim, repeated keys noticed."""

    def __init__(self) -> None:
        self.duplicates = _DuplicateKeys()
        self.decoder = json.JSONDecoder(
            parse_float=JsonNumber,
            parse_int=JsonNumber,
            parse_constant=str,
            object_pairs_hook=self.duplicates,
        )


_LOCAL = _Decoder()
DUPLICATE_JSON_KEY = "duplicate_json_key"


def _loads(text: str) -> object:
    _LOCAL.duplicates.reset()
    return _LOCAL.decoder.decode(text)


def _object_leaves(name: str, values: list[object]) -> dict[str, list[object]]:
    """The leaves of the objects among `values` (a column's cells) under dotted paths: `profile.birthday`,
    `geo.home.city`; a cell that is no object has none. An object nested in some cells and not in others is
    followed where it is one."""
    keys: dict[str, None] = {}
    for value in values:
        if isinstance(value, dict):
            keys.update(dict.fromkeys(value))
    leaves: dict[str, list[object]] = {}
    for key in keys:
        cells = [v.get(key) if isinstance(v, dict) else None for v in values]
        path = f"{name}.{key}"
        if any(isinstance(c, dict) for c in cells):
            leaves.update(_object_leaves(path, cells))
        else:
            leaves[path] = cells
    return leaves


def _records_to_batch(records: list[dict], lines: list[int], errors: list[RowError], blank: int) -> Batch:
    """The records as one text column per key; the leaves of nested objects also as columns of their dotted
    paths (`Batch.paths`)."""
    names: dict[str, None] = {}
    for r in records:
        names.update(dict.fromkeys(r))
    cells = {n: [r.get(n) for r in records] for n in names}
    paths: dict[str, list[object]] = {}
    for n, values in list(cells.items()):
        if any(isinstance(v, dict) for v in values):
            for path, leaf in _object_leaves(n, values).items():
                if path in names:  # a key spelled like the path: its own value first, then the leaf's
                    cells[path] = [
                        own if own is not None else v for own, v in zip(cells[path], leaf, strict=True)
                    ]
                else:
                    paths[path] = leaf
    columns, json_cells = {}, {}
    for n, values in {**cells, **paths}.items():
        columns[n] = pa.array([json_text(v) for v in values], pa.string())
        nested = [v is not None and (type(v) is not str) for v in values]  # numbers, booleans, objects, lists
        if any(nested):
            json_cells[n] = np.array(nested, dtype=bool)
    return Batch(
        pa.table(columns) if columns else pa.table({}),
        np.array(lines, dtype=np.int64),
        errors,
        blank,
        json_cells,
        frozenset(paths),
    )


def _read_jsonl(path: Path, cfg: SourceConfig, info: FileInfo) -> Iterator[Batch]:
    enc, sample = _encoding(path, cfg)
    head = decode_sample(sample, enc).lstrip("\ufeff \t\r\n")
    if head.startswith("["):  # one document, not one object per line: a whole file of junk rows otherwise
        raise UnreadableFile(
            "a JSON array, not JSON lines (one object per line): set `format: json` for this source"
            " or have the vendor deliver one object per line"
        )
    info.encoding = enc
    return _jsonl_batches(path, enc, info)


_BLANK = object()  # a blank JSONL line: counted, not a record


class _Invalid(NamedTuple):
    reason: str
    check: str = "parseable_row"


JsonValues = Iterator[tuple[int, object, str | None]]  # (line or record index, value, source text)


def _jsonl_values(fh: TextIO) -> JsonValues:
    for line_no, text in enumerate(fh, start=1):
        body = text.rstrip("\r\n").lstrip("\ufeff")
        if not body.strip():
            yield line_no, _BLANK, None
            continue
        try:
            value = _loads(body)
        except json.JSONDecodeError as exc:
            yield line_no, _Invalid(f"invalid JSON: {exc.msg} at column {exc.colno}"), body
        except RecursionError:
            yield line_no, _Invalid("invalid JSON: nested too deep to read"), body
        else:
            found = _LOCAL.duplicates.found
            yield (
                line_no,
                _Invalid(f"key {found!r} appears twice in one object", DUPLICATE_JSON_KEY)
                if found
                else value,
                body,
            )


def _json_array_values(fh: TextIO) -> JsonValues:
    duplicates = _LOCAL.duplicates
    duplicates.reset()
    for index, value in enumerate(iter_json_records(fh, _LOCAL.decoder), start=1):
        found = duplicates.found
        if found:
            duplicates.reset()
            yield (
                index,
                _Invalid(f"key {found!r} appears twice in one object", DUPLICATE_JSON_KEY),
                json_dump(value),
            )
        else:
            yield index, value, None


def _json_kind(value: object) -> str:
    return "number" if isinstance(value, JsonNumber) else type(value).__name__


def _jsonl_batches(path: Path, enc: str, info: FileInfo) -> Iterator[Batch]:
    return _json_record_batches(path, enc, info, _jsonl_values)


def _json_record_batches(
    path: Path, enc: str, info: FileInfo, values: Callable[[TextIO], JsonValues]
) -> Iterator[Batch]:
    """Batches of JSON objects; anything else becomes a row error with its text."""
    records: list[dict] = []
    lines: list[int] = []
    errors: list[RowError] = []
    blank = 0
    seen: dict[str, None] = {}
    try:
        with text_stream(path, enc) as fh:
            for line, value, text in values(fh):
                if value is _BLANK:
                    blank += 1
                    continue
                if not isinstance(value, dict):
                    invalid = (
                        value
                        if isinstance(value, _Invalid)
                        else _Invalid(f"JSON {_json_kind(value)}, expected an object")
                    )
                    raw = text if text is not None else json_text(value) or ""
                    errors.append(RowError(line, invalid.reason, raw, invalid.check))
                    continue
                records.append(value)
                lines.append(line)
                seen.update(dict.fromkeys(value))
                if len(records) >= BATCH_ROWS:
                    info.headers = list(seen)
                    yield _records_to_batch(records, lines, errors, blank)
                    records, lines, errors, blank = [], [], [], 0
    except JsonArrayError as exc:
        raise UnreadableFile(str(exc)) from None
    except RecursionError:
        raise UnreadableFile("invalid JSON: a record nested too deep to read") from None
    except (UnicodeDecodeError, OSError, EOFError) as exc:
        raise UnreadableFile(_one_line(exc)) from None
    info.headers = list(seen)
    yield _records_to_batch(records, lines, errors, blank)


def _read_json(path: Path, cfg: SourceConfig, info: FileInfo) -> Iterator[Batch]:
    """A JSON array of objects (or an object holding one such array), streamed record by record in batches;
    `_line` is the 1-based record index."""
    enc, sample = _encoding(path, cfg)
    decode_sample(sample, enc)
    info.encoding = enc
    return _json_record_batches(path, enc, info, _json_array_values)
