"""Validate raw rows of one source with pandera (lazy: every failure of a row is collected).

A row failing any check is quarantined whole, one quarantine row per failure; rows in = valid + quarantined.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import pyarrow as pyarrow_
import pyarrow.parquet as pq
from pandera.errors import SchemaErrors

from assets.ingest.config import SourceConfig
from assets.ingest.ingest import PARSE_ERROR, RAW_TEXT, raw_schema
from assets.ingest.manifest import record_validation
from assets.layout import DataLayout
from assets.standardise.dates import to_integer, to_number, unparseable

RANGES = {"nps_score": (0, 10), "csat_score": (1, 5)}
QUARANTINE_COLUMNS = ["source", "file", "line", "column", "check", "raw_value", "reason", "run_date"]
PK_CHECK = "primary_key_unique"
_STR = {pyarrow_.string(): pd.StringDtype("pyarrow")}.get


def _present(s: pd.Series) -> pd.Series:
    return s.notna() & (s.astype("string").str.strip() != "").fillna(False)


def _not_empty(s: pd.Series) -> pd.Series:
    return _present(s)


REASONS: dict[str, str] = {
    "not_empty": "required value is empty",
    "numeric": "not a number",
    "integer": "not a whole number",
    "parseable_row": "row could not be split into fields",
    "parseable_date": "not a date in the source's date_formats, ISO 8601 or an Excel serial",
    "primary_key_unique": "primary key repeats within the file",
    **{f"between_{lo}_{hi}": f"outside {lo}–{hi}" for lo, hi in RANGES.values()},
}


def _check(fn, name: str) -> pa.Check:
    """pandera reports failures under the check's name; `REASONS` turns the name into a sentence."""
    return pa.Check(fn, name=name, ignore_na=False)


def build_schema(
    cfg: SourceConfig, columns: list[str], duplicated_keys: frozenset | None = None
) -> pa.DataFrameSchema:
    """The pandera schema of `cfg`'s entity, restricted to `columns` (those the raw frame has)."""
    entity = cfg.entity_def
    required = set(cfg.required_columns)
    schema_cols: dict[str, pa.Column] = {}
    for col in entity.columns:
        if col.name not in columns:
            continue
        checks = []
        if col.name in required:
            checks.append(_check(_not_empty, "not_empty"))
        if col.kind in ("date", "datetime"):
            fmts = list(cfg.date_formats)
            checks.append(
                _check(
                    lambda s, f=fmts: ~unparseable(s, f),
                    "parseable_date",
                )
            )
        elif col.kind == "number":
            checks.append(_check(lambda s: ~_present(s) | to_number(s).notna(), "numeric"))
        elif col.kind == "integer":
            checks.append(_check(lambda s: ~_present(s) | to_integer(s).notna(), "integer"))
        if col.name in RANGES:
            lo, hi = RANGES[col.name]
            checks.append(
                _check(
                    lambda s, lo=lo, hi=hi: ~_present(s) | to_number(s).between(lo, hi).fillna(True),
                    f"between_{lo}_{hi}",
                )
            )
        schema_cols[col.name] = pa.Column(nullable=True, checks=checks, required=False)
    schema_cols["_extra"] = pa.Column(
        nullable=True,
        checks=[
            _check(
                lambda s: ~s.fillna("").str.contains(f'"{PARSE_ERROR}"', regex=False),
                "parseable_row",
            )
        ],
    )
    frame_checks = []
    pk = [c for c in cfg.primary_key if c in columns]
    if pk:

        def unique(df: pd.DataFrame) -> pd.Series:
            keys = df[pk].astype("string").fillna("")
            blank = (keys == "").all(axis=1)
            if duplicated_keys is not None:
                dup = pd.Series(
                    [tuple(r) in duplicated_keys for r in keys.itertuples(index=False)], index=df.index
                )
            else:
                dup = keys.duplicated(keep=False)
            return ~dup | blank

        frame_checks.append(pa.Check(unique, name=PK_CHECK))
    return pa.DataFrameSchema(schema_cols, checks=frame_checks, strict=False, coerce=False)


@dataclass
class ValidationResult:
    valid: pd.DataFrame
    quarantine: pd.DataFrame
    counts: dict = field(default_factory=dict)


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
) -> ValidationResult:
    """Split raw rows into valid rows and quarantine rows (source, file, line, column, check, raw_value, reason)."""
    frame = raw_frame.reset_index(drop=True)
    schema = build_schema(cfg, list(frame.columns), duplicated_keys)
    try:
        schema.validate(frame, lazy=True)
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
    fails = fails.sort_values(["index", "column"], kind="stable")
    rows = pd.Index(fails["index"])
    q = pd.DataFrame(
        {
            "source": cfg.name,
            "file": frame["_file"].to_numpy()[rows] if len(rows) else [],
            "line": frame["_line"].to_numpy()[rows] if len(rows) else [],
            "column": fails["column"].to_numpy(),
            "check": fails["check"].to_numpy(),
            "raw_value": _raw_values(frame, rows, fails["column"].map(lambda c: c.split("+")[0])),
            "reason": fails["check"].map(REASONS).to_numpy(),
            "run_date": run_date or (frame["_run_date"].iloc[0] if len(frame) else None),
        }
    )
    parse = q["check"] == "parseable_row"
    if parse.any():  # a row the reader could not split: its reason and raw text from `_extra`
        info = [json.loads(v) for v in q.loc[parse, "raw_value"]]
        q.loc[parse, "raw_value"] = [i.get(RAW_TEXT) for i in info]
        q.loc[parse, "reason"] = [i.get(PARSE_ERROR) for i in info]
    q = q.astype({"line": "int64"}).astype({c: "string" for c in QUARANTINE_COLUMNS if c != "line"})
    bad = frame.index.isin(rows.unique())
    valid = frame[~bad]
    counts = {
        "rows_in": len(frame),
        "rows_valid": len(valid),
        "rows_quarantined": int(bad.sum()),
        "failures": len(q),
        "by_check": q.groupby("check").size().to_dict() if len(q) else {},
    }
    return ValidationResult(valid, q.reset_index(drop=True), counts)


# ---------------------------------------------------------------- one partition, file by file
@dataclass
class PartitionValidation:
    source: str
    run_date: str
    files: list[dict] = field(default_factory=list)  # file, sha, rows_in, rows_valid, rows_quarantined
    by_check: dict[str, int] = field(default_factory=dict)
    preview: pd.DataFrame | None = None

    def total(self, key: str) -> int:
        return sum(f[key] for f in self.files)


BATCH_ROWS = 250_000


def _duplicated_keys(path: Path, pk: list[str]) -> frozenset | None:
    cols = pq.read_table(path, columns=pk).to_pandas(types_mapper=_STR).fillna("")
    dup = cols[cols.duplicated(keep=False) & (cols != "").any(axis=1)]
    return frozenset(tuple(r) for r in dup.itertuples(index=False))


def _write(frames: list[pd.DataFrame], path: Path, schema: pyarrow_.Schema | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".parquet.tmp")
    table = pyarrow_.concat_tables(
        [pyarrow_.Table.from_pandas(f, schema=schema, preserve_index=False) for f in frames]
    )
    pq.write_table(table, tmp, compression="zstd")
    tmp.replace(path)


def validate_partition(cfg: SourceConfig, layout: DataLayout, run_date: str) -> PartitionValidation:
    """Validate every raw file of (source, run_date) in bounded batches; write bronze + quarantine per file."""
    out = PartitionValidation(cfg.name, run_date)
    raw_dir = layout.raw(cfg.name, run_date)
    schema = raw_schema(cfg)
    q_schema = pyarrow_.schema(
        [
            pyarrow_.field(c, pyarrow_.int64() if c == "line" else pyarrow_.string())
            for c in QUARANTINE_COLUMNS
        ]
    )
    for path in sorted(raw_dir.glob("*.parquet")) if raw_dir.exists() else []:
        pk = list(cfg.primary_key)
        dups = _duplicated_keys(path, pk) if pk else None
        valid_parts, q_parts = [], []
        rows_in = rows_valid = rows_q = 0
        sha = ""
        for rb in pq.ParquetFile(path).iter_batches(batch_size=BATCH_ROWS):
            frame = rb.to_pandas(types_mapper=_STR)
            sha = sha or (frame["_file_sha256"].iloc[0] if len(frame) else "")
            res = validate_source(cfg, frame, run_date, dups)
            valid_parts.append(res.valid)
            q_parts.append(res.quarantine)
            rows_in += res.counts["rows_in"]
            rows_valid += res.counts["rows_valid"]
            rows_q += res.counts["rows_quarantined"]
            for k, v in res.counts["by_check"].items():
                out.by_check[k] = out.by_check.get(k, 0) + v
            if out.preview is None or len(out.preview) < 10:
                out.preview = res.valid.head(10)
        if not valid_parts:  # an empty raw file
            valid_parts, q_parts = [pd.DataFrame(columns=schema.names)], []
        _write(valid_parts, layout.bronze(cfg.name, run_date) / path.name, schema)
        qpath = layout.quarantine(cfg.name, run_date) / path.name
        if q_parts and sum(len(q) for q in q_parts):
            _write(q_parts, qpath, q_schema)
        else:
            qpath.unlink(missing_ok=True)
        out.files.append(
            {
                "file": path.name,
                "sha256": sha,
                "rows_in": rows_in,
                "rows_valid": rows_valid,
                "rows_quarantined": rows_q,
            }
        )
        if sha:
            record_validation(layout, cfg.name, sha, run_date, rows_valid, rows_q)
    return out
