"""Validate raw rows of one source with pandera (lazy: every failure of a row is collected).

A row failing any check is quarantined whole, one quarantine row per failure; rows in = valid + quarantined.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, closing
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow as pyarrow_
import pyarrow.compute as pc
from pandera.errors import SchemaErrors

from assets.frozen_heap import frozen_heap
from assets.ingest.batching import coalesced
from assets.ingest.config import SourceConfig
from assets.ingest.ingest import PARSE_ERROR, RAW_TEXT, ROW_CHECK, SHA_KEY
from assets.ingest.manifest import loaded_shas, read_manifest, record_validation
from assets.ingest.parquet_out import ParquetOut
from assets.ingest.prefetch import prefetch
from assets.layout import DataLayout
from assets.parquet_files import open_parquet
from assets.validate.duplicates import CopyFinder, content_columns, key_conflicts
from assets.validate.rules import REASONS as ROW_REASONS
from assets.validate.rules import cell_faults, no_failures, rule_faults, today_local
from linkage.standardise.dates import to_integer, to_number, unparseable

RANGES = {"nps_score": (0, 10), "csat_score": (1, 5)}
QUARANTINE_COLUMNS = ["source", "file", "line", "column", "check", "raw_value", "reason", "run_date"]
PK_CHECK = "primary_key_unique"
_STR = {pyarrow_.string(): pd.StringDtype("pyarrow")}.get


def _text(s: pd.Series) -> pd.Series:
    """As a pandas string Series, keeping pyarrow storage (vectorised) when the frame already has it."""
    return s if isinstance(s.dtype, pd.StringDtype) else s.astype(pd.StringDtype("pyarrow"))


def _arrow(s: pd.Series) -> pyarrow_.Array | pyarrow_.ChunkedArray:
    """The Arrow strings behind `s` (zero-copy for pyarrow-backed Series)."""
    return pyarrow_.array(_text(s).array)


def _present_arrow(values: pyarrow_.Array | pyarrow_.ChunkedArray) -> np.ndarray:
    """Not null, not empty, not only whitespace (Unicode, as `str.strip`) — without copying the strings."""
    present = pc.and_(pc.greater(pc.utf8_length(values), 0), pc.invert(pc.utf8_is_space(values)))
    return pc.fill_null(present, False).to_numpy(zero_copy_only=False)


def _present(s: pd.Series) -> pd.Series:
    return pd.Series(_present_arrow(_arrow(s)), index=s.index)


REASONS: dict[str, str] = {
    "not_empty": "required value is empty",
    "numeric": "not a number",
    "integer": "not a whole number",
    "parseable_row": "row could not be split into fields",
    "parseable_date": "not a date in the source's date_formats, ISO 8601 or an Excel serial",
    "primary_key_unique": "primary key repeats within the file with different content",
    **ROW_REASONS,
    **{f"between_{lo}_{hi}": f"outside {lo}–{hi}" for lo, hi in RANGES.values()},
}


def _check(fn, name: str) -> pa.Check:
    """pandera reports failures under the check's name; `REASONS` turns the name into a sentence."""
    return pa.Check(fn, name=name, ignore_na=False)


MEMO_LIMIT = 500_000  # distinct values remembered per check (a schema lives for one file)


def _per_value(ok_values) -> callable:
    """Run a vectorised value predicate once per distinct non-empty value, then broadcast to the rows.

    Exports repeat values heavily (dates, amounts, scores), and a file's batches share them: verdicts are
    remembered across the batches one schema validates, up to MEMO_LIMIT values.
    """
    good: set[str] = set()
    bad: set[str] = set()

    def check(s: pd.Series) -> pd.Series:
        values = _arrow(s)
        distinct = pc.unique(values)
        distinct = distinct.filter(_present_arrow(distinct)).to_pylist()
        new = [v for v in distinct if v not in good and v not in bad]
        if new:
            unseen = pd.Series(new, dtype=pd.StringDtype("pyarrow"))
            ok = ok_values(unseen).to_numpy(dtype=bool, na_value=False)
            bad.update(unseen[~ok])
            if len(good) < MEMO_LIMIT:
                good.update(unseen[ok])
        failing = [v for v in distinct if v in bad]
        if not failing:
            return pd.Series(True, index=s.index)
        hit = pc.is_in(values, value_set=pyarrow_.array(failing, values.type)).to_numpy(zero_copy_only=False)
        return pd.Series(~hit, index=s.index)

    return check


def _key_text(df: pd.DataFrame, pk: list[str]) -> pd.Series:
    """One string per row for a (possibly composite) primary key; empty when every key part is empty."""
    parts = df[pk].apply(_text).fillna("")
    if len(pk) == 1:
        return parts[pk[0]]
    key = parts[pk[0]]
    for col in pk[1:]:
        key = key + "\x1f" + parts[col]
    return key.where(~(parts == "").all(axis=1), "")


def build_schema(
    cfg: SourceConfig, columns: list[str], duplicated_keys: frozenset | None = None
) -> pa.DataFrameSchema:
    """The pandera schema of `cfg`'s entity, restricted to `columns` (those the raw frame has).

    `duplicated_keys`: primary keys repeated anywhere in the file (when validating it batch by batch).
    """
    entity = cfg.entity_def
    rules = cfg.column_rules()
    required = {c for c in cfg.required_columns if not rules.get(c) or not rules[c].unless}  # else rules.py
    fmts, serials = list(cfg.date_formats), cfg.serial_dates
    schema_cols: dict[str, pa.Column] = {}
    for col in entity.columns:
        if col.name not in columns:
            continue
        checks = []
        if col.name in required:
            checks.append(_check(_present, "not_empty"))
        if col.kind in ("date", "datetime"):
            checks.append(_check(_per_value(lambda u: ~unparseable(u, fmts, serials)), "parseable_date"))
        elif col.kind == "number":
            checks.append(_check(_per_value(lambda u: to_number(u).notna()), "numeric"))
        elif col.kind == "integer":
            checks.append(_check(_per_value(lambda u: to_integer(u).notna()), "integer"))
        if col.name in RANGES:
            lo, hi = RANGES[col.name]
            in_range = _per_value(lambda u, lo=lo, hi=hi: to_number(u).between(lo, hi).fillna(True))
            checks.append(_check(in_range, f"between_{lo}_{hi}"))
        schema_cols[col.name] = pa.Column(nullable=True, checks=checks, required=False)
    unsplit = _check(lambda s: ~s.fillna("").str.contains(f'"{PARSE_ERROR}"', regex=False), "parseable_row")
    schema_cols["_extra"] = pa.Column(nullable=True, checks=[unsplit])
    frame_checks = []
    pk = [c for c in cfg.primary_key if c in columns]
    if pk:

        def unique(df: pd.DataFrame) -> pd.Series:
            if duplicated_keys is not None and not duplicated_keys:
                return pd.Series(True, index=df.index)  # the file repeats no key: no key text to build
            key = _key_text(df, pk)
            dup = key.duplicated(keep=False) if duplicated_keys is None else key.isin(list(duplicated_keys))
            return ~dup | (key == "")

        frame_checks.append(pa.Check(unique, name=PK_CHECK))
    return pa.DataFrameSchema(schema_cols, checks=frame_checks, strict=False, coerce=False)


@dataclass
class ValidationResult:
    frame: pd.DataFrame  # the rows validated
    quarantined: np.ndarray  # bool per row of `frame`
    quarantine: pd.DataFrame  # one row per failure
    counts: dict = field(default_factory=dict)

    @property
    def valid(self) -> pd.DataFrame:
        return self.frame[~self.quarantined]


def _raw_values(frame: pd.DataFrame, rows: pd.Index, column: pd.Series) -> list:
    out = []
    for idx, col in zip(rows, column, strict=True):
        if col in frame.columns:
            v = frame.at[idx, col]
            out.append(None if pd.isna(v) else str(v))
        else:
            out.append(None)
    return out


def validate_source(
    cfg: SourceConfig,
    raw_frame: pd.DataFrame,
    run_date: str | None = None,
    duplicated_keys: frozenset | None = None,
    schema: pa.DataFrameSchema | None = None,
    cells: pyarrow_.Table | None = None,
    copies: dict[int, int] | None = None,
    today: dt.date | None = None,
) -> ValidationResult:
    """Split raw rows into valid rows and quarantine rows (source, file, line, column, check, raw_value, reason).

    `duplicated_keys` / `copies` / `schema`: when one file is validated batch by batch, its key conflicts and
    exact copies (found over the whole file) and one schema (from `build_schema`) for all its batches.
    `cells`: the batch with every raw column (the frame may hold only the checked ones) for the cell and rule
    checks; `today`: the day `max: today` rules compare with.
    """
    frame = raw_frame.reset_index(drop=True)
    if cells is None:
        cells = pyarrow_.Table.from_pandas(frame, preserve_index=False)
    if duplicated_keys is None:  # one frame is the whole file
        duplicated_keys = key_conflicts(cells.select, cells.column_names, list(cfg.primary_key))
        with closing(CopyFinder()) as finder:
            copies = finder.copies(cells.select(["_line", *content_columns(cells.column_names)]))
    schema = schema or build_schema(cfg, list(frame.columns), duplicated_keys)
    try:
        schema.validate(frame, lazy=True, inplace=True)
        fails = pd.DataFrame(columns=["column", "check", "index"])
    except SchemaErrors as exc:
        fails = exc.failure_cases
    fails = fails[fails["index"].notna()].copy()
    fails["index"] = fails["index"].astype("int64")
    fails["check"] = fails["check"].astype(str)
    pk = "+".join(c for c in cfg.primary_key if c in frame.columns)
    fails["column"] = [
        pk if ch == PK_CHECK else col for col, ch in zip(fails["column"], fails["check"], strict=True)
    ]
    fails = fails.drop_duplicates(["index", "column", "check"])
    unsplit = set(fails.loc[fails["check"] == "parseable_row", "index"])
    fails = fails[(fails["check"] == "parseable_row") | ~fails["index"].isin(unsplit)]  # one reason suffices
    rows = pd.Index(fails["index"])
    fails = pd.DataFrame(
        {
            "index": rows,
            "column": fails["column"].to_numpy(),
            "check": fails["check"].to_numpy(),
            "raw_value": _raw_values(frame, rows, fails["column"].map(lambda c: c.split("+")[0])),
            "reason": fails["check"].map(REASONS).to_numpy(),
        }
    )
    more = _row_faults(cfg, cells, frame, copies or {}, today)
    fails = pd.concat([fails, more[~more["index"].isin(unsplit)]], ignore_index=True)
    errors = fails["check"] == "spreadsheet_error"  # `#N/A` in a date column: one reason, not two
    if errors.any():
        cell = fails["index"].astype(str) + "\x1f" + fails["column"].astype(str)
        fails = fails[errors | ~cell.isin(set(cell[errors]))]
    fails = fails.sort_values(["index", "column"], kind="stable")
    rows = pd.Index(fails["index"].astype("int64"))
    q = pd.DataFrame(
        {
            "source": cfg.name,
            "file": frame["_file"].to_numpy()[rows] if len(rows) else [],
            "line": frame["_line"].to_numpy()[rows] if len(rows) else [],
            "column": fails["column"].to_numpy(),
            "check": fails["check"].to_numpy(),
            "raw_value": fails["raw_value"].to_numpy(),
            "reason": fails["reason"].to_numpy(),
            "run_date": run_date or (frame["_run_date"].iloc[0] if len(frame) else None),
        }
    )
    parse = q["check"] == "parseable_row"
    if parse.any():  # a row the reader set aside: its reason, raw text and check from `_extra`
        info = [json.loads(v) for v in q.loc[parse, "raw_value"]]
        q.loc[parse, "raw_value"] = [i.get(RAW_TEXT) for i in info]
        q.loc[parse, "reason"] = [i.get(PARSE_ERROR) for i in info]
        q.loc[parse, "check"] = [i.get(ROW_CHECK, "parseable_row") for i in info]
    q = q.astype({"line": "int64"}).astype({c: "string" for c in QUARANTINE_COLUMNS if c != "line"})
    bad = frame.index.isin(rows.unique())
    counts = {
        "rows_in": len(frame),
        "rows_valid": len(frame) - int(bad.sum()),
        "rows_quarantined": int(bad.sum()),
        "failures": len(q),
        "by_check": q.groupby("check").size().to_dict() if len(q) else {},
    }
    return ValidationResult(frame, bad, q.reset_index(drop=True), counts)


def _row_faults(
    cfg: SourceConfig,
    cells: pyarrow_.Table,
    frame: pd.DataFrame,
    copies: dict[int, int],
    today: dt.date | None,
) -> pd.DataFrame:
    """Failures beyond the schema: bad cells, sources.yaml rules, exact copies of earlier rows."""
    found = cell_faults(cells, [*cfg.entity_def.column_names, "_extra"]) + rule_faults(cfg, cells, today)
    if copies:
        lines = frame["_line"].to_numpy()
        at = np.flatnonzero(pd.Series(lines).isin(copies).to_numpy())
        found.append(
            pd.DataFrame(
                {
                    "index": at,
                    "column": "*",
                    "check": "duplicate_row",
                    "raw_value": [f"same as line {copies[int(lines[i])]}" for i in at],
                    "reason": REASONS["duplicate_row"],
                }
            )
        )
    found = [f for f in found if len(f)]
    return pd.concat(found, ignore_index=True) if found else no_failures()


# ---------------------------------------------------------------- one partition, file by file
@dataclass
class PartitionValidation:
    source: str
    run_date: str
    files: list[dict] = field(default_factory=list)  # file, sha, rows_in, rows_valid, rows_quarantined
    by_check: dict[str, int] = field(default_factory=dict)
    preview: pd.DataFrame | None = None  # first valid rows
    quarantine_preview: pd.DataFrame | None = None  # first failures

    def total(self, key: str) -> int:
        return sum(f[key] for f in self.files)


def _file_columns(path: Path) -> Callable[[list[str]], pyarrow_.RecordBatchReader]:
    """`columns -> stream of those columns` of a raw file (for DuckDB's out-of-core scans)."""

    def stream(columns: list[str]) -> pyarrow_.RecordBatchReader:
        raw = open_parquet(path)
        schema = pyarrow_.schema([raw.schema_arrow.field(c) for c in columns])
        return pyarrow_.RecordBatchReader.from_batches(schema, raw.iter_batches(columns=columns))

    return stream


def validate_partition(cfg: SourceConfig, layout: DataLayout, run_date: str) -> PartitionValidation:
    """Validate every raw file of (source, run_date) batch by batch (bounded memory); stream valid rows to
    bronze and failures to quarantine, one Parquet file each per raw file; fill the manifest's counts."""
    out = PartitionValidation(cfg.name, run_date)
    raw_dir = layout.raw(cfg.name, run_date)
    recorded = {sha[:16] for sha in loaded_shas(read_manifest(layout), cfg.name, run_date)}
    with frozen_heap():  # the per-batch collection stays cheap
        for path in sorted(raw_dir.glob("*.parquet")) if raw_dir.exists() else []:
            if path.stem not in recorded:  # a killed run wrote it but never recorded it: it is ingested again
                _drop_unrecorded(cfg, layout, run_date, path.name)
                continue
            out.files.append(_validate_file(cfg, layout, run_date, path, out))
    return out


def _drop_unrecorded(cfg: SourceConfig, layout: DataLayout, run_date: str, name: str) -> None:
    """Remove a raw copy the manifest does not record, with anything validated from it."""
    for folder in (layout.raw, layout.bronze, layout.quarantine):
        (folder(cfg.name, run_date) / name).unlink(missing_ok=True)


_Q_SCHEMA = pyarrow_.schema(
    [pyarrow_.field(c, pyarrow_.int64() if c == "line" else pyarrow_.string()) for c in QUARANTINE_COLUMNS]
)


READ_ROWS = 32_768  # rows decoded at a time, joined into batches of up to MAX_ROWS rows / MAX_BYTES


def _checked_columns(cfg: SourceConfig, schema: pa.DataFrameSchema, names: list[str]) -> list[str]:
    """The raw columns validation reads: those with checks, the primary key and the lineage of a failure."""
    wanted = (
        [c for c, col in schema.columns.items() if col.checks] + list(cfg.primary_key) + ["_file", "_line"]
    )
    return [c for c in dict.fromkeys(wanted) if c in names]


def _validate_file(
    cfg: SourceConfig, layout: DataLayout, run_date: str, path: Path, out: PartitionValidation
) -> dict:
    """One raw file → its bronze and quarantine files; returns its counts (and adds to `out`'s summaries).

    Only the checked columns go through pandas/pandera; the batch itself stays Arrow and is filtered into
    bronze. The duplicate-key scan (DuckDB) runs while the first batch is decoded; decoding the next batch
    (worker thread) and compressing the last (ParquetOut) overlap the checks.
    """
    source = open_parquet(path)
    names = source.schema_arrow.names
    sha = (source.schema_arrow.metadata or {}).get(SHA_KEY.encode(), b"").decode()
    counts = {"file": path.name, "sha256": sha, "rows_in": 0, "rows_valid": 0, "rows_quarantined": 0}
    quarantine_path = layout.quarantine(cfg.name, run_date) / path.name
    schema: pa.DataFrameSchema | None = None
    with (
        ExitStack() as stack,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="duplicate-keys") as pool,
        ParquetOut(layout.bronze(cfg.name, run_date) / path.name, source.schema_arrow) as bronze,
        ParquetOut(quarantine_path, _Q_SCHEMA, discard_if_empty=True) as bad,
        closing(prefetch(coalesced(source.iter_batches(batch_size=READ_ROWS)))) as batches,
    ):
        scan = pool.submit(key_conflicts, _file_columns(path), names, list(cfg.primary_key))
        today, content = today_local(), ["_line", *content_columns(names)]
        copy_finder = stack.enter_context(closing(CopyFinder()))
        for batch in batches:
            if schema is None:  # DuckDB scanned the keys while the first batch was decoded
                conflicts = scan.result()
                schema = build_schema(cfg, names, conflicts)
                checked = _checked_columns(cfg, schema, names)
            frame = batch.select(checked).to_pandas(types_mapper=_STR)
            copies = copy_finder.copies(batch.select(content))
            res = validate_source(cfg, frame, run_date, conflicts, schema, batch, copies, today)
            valid = batch.filter(pyarrow_.array(~res.quarantined))  # contiguous: slices slow the writer
            bronze.write(valid)
            if len(res.quarantine):
                bad.write(pyarrow_.Table.from_pandas(res.quarantine, _Q_SCHEMA, preserve_index=False))
            counts["rows_quarantined"] += res.counts["rows_quarantined"]
            for k, v in res.counts["by_check"].items():
                out.by_check[k] = out.by_check.get(k, 0) + v
            if out.preview is None or len(out.preview) < 10:
                out.preview = valid.slice(0, 10).to_pandas(types_mapper=_STR)
            if len(res.quarantine) and (out.quarantine_preview is None or len(out.quarantine_preview) < 20):
                out.quarantine_preview = pd.concat([out.quarantine_preview, res.quarantine.head(20)]).head(20)
            del frame, res
            gc.collect()  # pandas/pandera leave reference cycles holding each batch's Arrow buffers
            # (no release_unused(): handing pages back to the OS each batch costs more in re-faulting than it saves)
    # Counted independently of the split: rows in from the raw file's footer, valid rows as written.
    counts["rows_in"], counts["rows_valid"] = source.metadata.num_rows, bronze.rows
    if sha:
        record_validation(layout, cfg.name, sha, run_date, counts["rows_valid"], counts["rows_quarantined"])
    return counts
