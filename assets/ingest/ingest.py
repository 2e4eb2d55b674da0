"""Ingest one source for one run_date: new landing files → raw Parquet (verbatim strings + lineage) + manifest."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from assets.entities import LINEAGE_COLUMNS
from assets.ingest.batching import coalesced
from assets.ingest.config import SourceConfig, SourcesConfig, header_key
from assets.ingest.encoding import UnreadableFile
from assets.ingest.extra_json import extra_json
from assets.ingest.headers import match_headers, missing_identifier
from assets.ingest.landing import LandingFile, key_date, landing_zone, sha256_file
from assets.ingest.manifest import RAW, append_manifest, loaded_hashes, read_manifest, seen_versions
from assets.ingest.parquet_out import ParquetOut
from assets.ingest.prefetch import prefetch
from assets.ingest.readers import Batch, FileInfo, read_file
from assets.layout import DataLayout
from assets.parquet_files import open_parquet
from assets.privacy.encryption import EncryptionUnavailable
from assets.privacy.matching import ErasureMatcher
from assets.privacy.tombstones import tombstone_matcher

PARSE_ERROR = "_parse_error"  # key in `_extra` of a row the reader could not split into fields
RAW_TEXT = "_raw_text"
ROW_CHECK = "_check"  # the quarantine check of a set-aside row when it is not `parseable_row`
UNSPLIT = "parseable_row"
SHA_KEY = "c360.sha256"  # Parquet footer key: the landing file's sha256


class SchemaDrift(ValueError):
    """A required column is missing from a file (renamed or dropped by the vendor)."""


@dataclass
class FileOutcome:
    key: str
    status: str  # loaded | duplicate | failed
    sha256: str = ""
    size: int = 0
    rows_read: int = 0
    rows_erased: int = 0
    blank_rows: int = 0
    error: str = ""
    encoding: str = ""
    unmapped: list[str] = field(default_factory=list)
    raw_path: Path | None = None


@dataclass
class IngestResult:
    source: str
    run_date: str
    files: list[FileOutcome] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(f.status == status for f in self.files)

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files)

    @property
    def rows_erased(self) -> int:
        return sum(f.rows_erased for f in self.files)


def raw_schema(cfg: SourceConfig) -> pa.Schema:
    fields = [pa.field(c, pa.string()) for c in cfg.entity_def.column_names]
    fields += [
        pa.field("_source", pa.string()),
        pa.field("_file", pa.string()),
        pa.field("_line", pa.int64()),
        pa.field("_loaded_at", pa.timestamp("us", tz="UTC")),
        pa.field("_file_sha256", pa.string()),
        pa.field("_run_date", pa.string()),
        pa.field("_extra", pa.string()),
    ]
    return pa.schema(fields)


def pending_files(
    layout: DataLayout, config: SourcesConfig, run_date: str | None = None
) -> list[LandingFile]:
    """Landing files whose current version the manifest has not handled (failed ones are retried). A listed
    file is only a candidate: `ingest_source` hashes it and settles it by its sha256 (same bytes as a loaded
    file → `duplicate`, or `skipped` when it is that same file unchanged).

    With `run_date`, a file whose key has a `YYYY-MM-DD` folder is pending only on that day, so backfills
    replay the right deliveries; files without a dated folder are pending on any day until loaded.
    """
    zone = landing_zone(layout.landing)
    manifest = read_manifest(layout)
    out = []
    for src in config.sources:
        done = seen_versions(manifest, src.name)
        for f in zone.list(src.name, src.glob):
            if (f.key, f.version) in done:
                continue
            day = key_date(f.key)
            if run_date is not None and day is not None and day != run_date:
                continue
            out.append(f)
    return out


def map_columns(headers: list[str], cfg: SourceConfig) -> tuple[dict[str, str], list[str]]:
    """File header -> canonical column; the rest are unmapped (→ `_extra`). Matching rules: headers.py.

    Headers match `columns:` tolerantly (case, whitespace, BOM, full-width, then spaces/underscores/punctuation);
    a header that already is a canonical column name (`email`, `order_id`) maps to itself without configuration.
    """
    mapping, unmapped, _ = mapped_columns(headers, cfg)
    return mapping, unmapped


def mapped_columns(
    headers: list[str], cfg: SourceConfig
) -> tuple[dict[str, str], list[str], dict[str, list[str]]]:
    """map_columns, and per canonical column the file's other headers that map to it (headers.match_headers)."""
    return match_headers(headers, cfg.columns, cfg.entity_def.column_names, header_key)


def _filled(column: pa.Array, others: list[pa.Array]) -> pa.Array:
    """`column`, each empty or blank cell taken from the first of `others` (same rows) that has a value there
    (a cell none of them fills stays as it was). Text columns only."""
    others = [o for o in others if o.type == column.type]
    if not others or not pa.types.is_string(column.type):
        return column
    valued = [pc.if_else(pc.equal(pc.utf8_trim_whitespace(c), ""), None, c) for c in (column, *others)]
    return pc.coalesce(*valued, column)


def check_drift(headers: list[str], mapping: dict[str, str], cfg: SourceConfig, file_key: str) -> None:
    missing = [c for c in cfg.required_columns if c not in mapping.values()]
    if not missing:
        return
    expected = {c: [v for v, t in cfg.columns.items() if c in t.split("|")] for c in missing}
    wanted = "; ".join(f"{c} (header {' or '.join(map(repr, v)) or repr(c)})" for c, v in expected.items())
    unmapped = [h for h in headers if h not in mapping]
    raise SchemaDrift(
        f"schema drift in {file_key}: required column {wanted} not found; unmapped headers: "
        f"{', '.join(map(repr, unmapped)) or 'none'} — map the new header in sources.yaml "
        f"sources[{cfg.name}].columns"
    )


class _Lineage:
    """The constant lineage columns of one file, built once and sliced (zero-copy) for every batch."""

    def __init__(self, values: dict, schema: pa.Schema):
        self.values, self.schema = values, schema
        self.cache: dict[str, pa.Array] = {}

    def column(self, name: str, n: int) -> pa.Array:
        have = self.cache.get(name)
        if have is None or len(have) < n:
            have = self.cache[name] = pa.repeat(pa.scalar(self.values[name], self.schema.field(name).type), n)
        return have.slice(0, n)


def _rows(
    schema: pa.Schema, columns: dict[str, pa.Array], extra: pa.Array, lines: pa.Array, lineage: _Lineage
) -> pa.Table:
    """Assemble raw rows in the raw schema: canonical columns (null when absent), lineage, `_extra`."""
    n = len(lines)
    arrays = []
    for col in schema:
        if col.name in columns:
            arrays.append(columns[col.name])
        elif col.name == "_extra":
            arrays.append(extra)
        elif col.name == "_line":
            arrays.append(lines)
        elif col.name in lineage.values:
            arrays.append(lineage.column(col.name, n))
        else:
            arrays.append(pa.nulls(n, col.type))
    return pa.Table.from_arrays(arrays, schema=schema)


def _interleave(good: pa.Array, at: np.ndarray, bad: pa.Array) -> pa.Array:
    """`bad[k]` inserted before `good[at[k]]` (`at` ascending): the few unsplit rows go back to their place in
    the line-ordered good rows, so raw keeps file order. One contiguous array (Parquet encodes thousands of
    tiny chunks slowly)."""
    pieces, start = [], 0
    for k, pos in enumerate(at):
        pieces += [good.slice(start, int(pos) - start), bad.slice(k, 1)]
        start = int(pos)
    pieces.append(good.slice(start))
    return pa.concat_arrays(pieces)


def _lists_joined(column: pa.Array, json_cells: np.ndarray | None) -> pa.Array:
    """A mapped JSON column's arrays of plain values (`["a@x.com", "b@y.com"]`) as those values joined by '; ', as
    a spreadsheet cell holding several (the standardisers split such cells); its other cells as they are."""
    if json_cells is None:
        return column
    values = column.to_pylist()
    joined = False
    for i in np.flatnonzero(json_cells).tolist():
        if values[i] and values[i].startswith("["):
            items = json.loads(values[i])  # the reader's own JSON of the cell
            if not any(isinstance(item, dict | list) for item in items):
                values[i] = "; ".join(str(item) for item in items if item is not None) or None
                joined = True
    return pa.array(values, pa.string()) if joined else column


def to_raw(
    batch: Batch,
    mapping: dict[str, str],
    unmapped: list[str],
    schema: pa.Schema,
    lineage: _Lineage,
    alternates: dict[str, list[str]] | None = None,
) -> pa.Table:
    """A reader batch as raw rows: canonical columns (null when the file lacks them), lineage, `_extra`.

    `alternates`: per canonical column, other headers that map to it (mapped_columns): they fill its empty
    cells, and stay in `_extra`. Rows the reader could not split keep only `_line` and `_extra` (reason + raw
    text); the constant lineage and absent columns are built for the merged length, never copied.
    """
    names = batch.table.column_names
    by_target = {t: h for h, t in mapping.items() if h in names}

    def cells(header: str) -> pa.Array:
        return _lists_joined(batch.table.column(header).combine_chunks(), batch.json_cells.get(header))

    columns = {
        c: _filled(cells(h), [cells(o) for o in (alternates or {}).get(c, []) if o in names])
        for c, h in by_target.items()
    }
    extra_names = [
        h for h in batch.table.column_names if (h in unmapped or h not in mapping) and h not in batch.paths
    ]
    extra = extra_json(batch.table, extra_names, batch.json_cells)
    lines = pa.array(batch.lines, pa.int64())
    if batch.errors:
        at = np.searchsorted(batch.lines, [e.line for e in batch.errors])
        columns = {c: _interleave(v, at, pa.nulls(len(at), v.type)) for c, v in columns.items()}
        unsplit = [
            json.dumps(
                {PARSE_ERROR: e.reason, RAW_TEXT: e.text}
                | ({ROW_CHECK: e.check} if e.check != UNSPLIT else {}),
                ensure_ascii=False,
            )
            for e in batch.errors
        ]
        extra = _interleave(extra, at, pa.array(unsplit, pa.string()))
        lines = _interleave(lines, at, pa.array([e.line for e in batch.errors], pa.int64()))
    return _rows(schema, columns, extra, lines, lineage)


def _erase(table: pa.Table, matcher: ErasureMatcher) -> tuple[pa.Table, int]:
    """Drop the rows of erased people (tombstones); only the columns the matcher reads go to pandas."""
    if not matcher or table.num_rows == 0:
        return table, 0
    wanted = table.select(matcher.relevant_columns(table.column_names))
    hit = matcher.match(wanted.to_pandas(types_mapper=pd.ArrowDtype)).to_numpy(dtype=bool)
    if not hit.any():
        return table, 0
    return table.filter(pa.array(~hit)), int(hit.sum())


def ingest_file(
    path: Path,
    file: LandingFile,
    sha: str,
    cfg: SourceConfig,
    layout: DataLayout,
    run_date: str,
    loaded_at: dt.datetime,
) -> FileOutcome:
    """Read one landing file into raw Parquet. Raises UnreadableFile / SchemaDrift for a file-level failure.

    Three stages overlap: the reader parses the next batch on a worker thread, this thread maps the current
    one to raw rows, and ParquetOut compresses the previous ones (joined into large row groups).
    """
    out = FileOutcome(file.key, "loaded", sha, file.size)
    info = FileInfo()
    batches = read_file(path, cfg, info)
    target = layout.raw(cfg.name, run_date) / f"{sha[:16]}.parquet"
    schema = raw_schema(cfg)
    lineage = _Lineage(
        {
            "_source": cfg.name,
            "_file": file.key,
            "_loaded_at": loaded_at,
            "_file_sha256": sha,
            "_run_date": run_date,
        },
        schema,
    )
    matcher = tombstone_matcher(layout)
    metadata = {SHA_KEY: sha, "c360.file": file.key}  # in the footer of empty files too
    with closing(prefetch(batches)) as parsed, ParquetOut(target, schema.with_metadata(metadata)) as sink:
        for table in coalesced(_raw_tables(parsed, info, cfg, schema, lineage, matcher, out)):
            sink.write(table)
    out.raw_path, out.encoding = target, info.encoding
    return out


def _raw_tables(
    batches: Iterator[Batch],
    info: FileInfo,
    cfg: SourceConfig,
    schema: pa.Schema,
    lineage: _Lineage,
    matcher: ErasureMatcher,
    out: FileOutcome,
) -> Iterator[pa.Table]:
    """Reader batches as raw rows (mapped, drift-checked, erased people dropped); counts go to `out`."""
    mapping: dict[str, str] | None = None
    unmapped: list[str] = []
    alternates: dict[str, list[str]] = {}
    json_like = cfg.format in ("jsonl", "json")
    checked = False
    for batch in batches:
        headers = batch.table.column_names if json_like else info.headers
        if mapping is None or (json_like and set(headers) - set(mapping) - set(unmapped) - batch.paths):
            mapping, unmapped, alternates = mapped_columns(headers, cfg)  # JSON records may bring new keys
            unmapped = [h for h in unmapped if h not in batch.paths]  # in _extra within its object
            out.unmapped += [h for h in unmapped if h not in out.unmapped]
        if not checked and (batch.table.num_rows or not json_like):
            check_drift(headers, mapping, cfg, out.key)  # on the header / the first JSON records
            if problem := missing_identifier(cfg.name, cfg.entity_def, headers, mapping, out.key):
                raise SchemaDrift(problem)
            checked = True
        table = to_raw(batch, mapping, unmapped, schema, lineage, alternates)
        out.rows_read += table.num_rows
        out.blank_rows += batch.blank_rows
        table, erased = _erase(table, matcher)
        out.rows_erased += erased
        yield table


def ingest_source(cfg: SourceConfig, layout: DataLayout, run_date: str) -> IngestResult:
    """Ingest every pending landing file of `cfg` for `run_date`; bad files are marked failed, the rest go on."""
    files = pending_files(layout, SourcesConfig(sources=[cfg]), run_date)
    result = IngestResult(cfg.name, run_date)
    seen = loaded_hashes(read_manifest(layout), cfg.name)
    zone = landing_zone(layout.landing)
    for file in files:
        loaded_at = dt.datetime.now(dt.UTC)
        sha = ""
        try:
            with zone.local_copy(file) as path:
                sha = sha256_file(path)
                if sha in seen:
                    same = seen[sha] == file.key  # touched, copied back, re-uploaded: the same bytes
                    outcome = FileOutcome(
                        file.key,
                        "skipped" if same else "duplicate",
                        sha,
                        file.size,
                        error="unchanged: already loaded" if same else f"same bytes as {seen[sha]}",
                    )
                else:
                    outcome = ingest_file(path, file, sha, cfg, layout, run_date, loaded_at)
                    seen[sha] = file.key
        except (UnreadableFile, SchemaDrift) as exc:
            outcome = FileOutcome(file.key, "failed", sha, file.size, error=str(exc))
        except Exception as exc:  # a reader bug or an odd file must not stop the other files
            if _transient(exc) or isinstance(exc, EncryptionUnavailable | PermissionError):
                raise  # S3 trouble: the step's retries; a wrong key or an unwritable zone: the whole run
            outcome = FileOutcome(file.key, "failed", sha, file.size, error=_oneline(exc))
        result.files.append(outcome)
        warn = f"unmapped headers kept in _extra: {', '.join(outcome.unmapped)}" if outcome.unmapped else ""
        append_manifest(  # per file: a later crash cannot forget what was already loaded
            layout,
            [
                {
                    "source": cfg.name,
                    "key": file.key,
                    "size": file.size,
                    "sha256": outcome.sha256,
                    "rows_read": outcome.rows_read if outcome.status == "loaded" else 0,
                    "rows_valid": None,
                    "rows_quarantined": None,
                    "rows_erased": outcome.rows_erased,
                    "status": outcome.status,
                    "error": outcome.error or warn,
                    "encoding": outcome.encoding,
                    "run_date": run_date,
                    "loaded_at": pd.Timestamp(loaded_at),
                    "version": file.version,
                    "progress": RAW if outcome.status == "loaded" else None,
                    "settled_run_date": run_date if outcome.status in ("duplicate", "skipped") else None,
                }
            ],
        )
    return result


def _oneline(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"


def _transient(exc: BaseException) -> bool:
    """S3/network trouble that outlived the retries: let the asset's RetryPolicy try the whole step again."""
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # pragma: no cover
        return False
    return isinstance(exc, BotoCoreError | ClientError | ConnectionError)


def read_raw(path: Path) -> pd.DataFrame:
    return open_parquet(path).read().to_pandas(types_mapper={pa.string(): pd.StringDtype("pyarrow")}.get)


__all__ = [
    "LINEAGE_COLUMNS",
    "FileOutcome",
    "IngestResult",
    "ingest_source",
    "pending_files",
    "raw_schema",
    "read_raw",
]
