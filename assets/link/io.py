"""Reading person records and writing the linkage tables (shared by the CLI and the Dagster assets)."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from functools import partial
from itertools import pairwise
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa

from assets.link.state_encoding import RECORDS, extends_stored, read_encoding, write_encoding
from assets.link.state_parts import Part, among, appendable, read_ordered_parts, read_parts
from assets.link.table_reads import read_table
from assets.parquet_files import open_parquet, write_parquet_atomic, write_parquet_staged, zone_relation
from assets.privacy.encryption import zone_connection
from linkage.arrow_columns import arrow_frame, arrow_table
from linkage.engine import LinkageResult
from linkage.incremental import READ_OF_EVERY_RECORD
from linkage.pair_table import OrderedPairs, decided_as
from linkage.prepare import PERSON_INPUT
from linkage.records import build_person_records
from linkage.shared_strings import share_strings
from linkage.state import LinkageState

T = TypeVar("T")

# What linkage reads of a person record (prepare_records, the record digests, references), not its display
# columns (name_script, name_pinyin): the link asset reads only these.
LINKED_COLUMNS = (*PERSON_INPUT, "phone_types", "entity", "loaded_at")
OUTPUT_TABLES = ("customer_xref", "match_pairs", "review_queue", "id_history", "linkage_runs")
# Columns of the customer file and its pairs with a value (nearly) per row, written without a dictionary
# (assets/parquet_files.py): a pair's record ids and weight, a record's id. At 540k records the file's ~930k
# pairs are written in ~0.13 s less CPU every night, and 6% smaller.
DISTINCT_PER_ROW = ("source_record_id", "id_l", "id_r", "match_weight")
# A user's own table may use these names for the canonical columns build_person_records reads.
INPUT_ALIASES = {
    "emails": "email", "phone": "phone_mobile", "phones": "phone_mobile", "mobile": "phone_mobile",
    "address_norm": "address", "id": "source_record_id", "record_id": "source_record_id",
}  # fmt: skip


def read_person_glob(
    pattern: str, only: pd.DataFrame | None = None, columns: Sequence[str] | None = None
) -> pd.DataFrame | None:
    """Every silver/person partition; a person seen on several days keeps the latest values and every
    email/phone ever seen. `only` (source, source_record_id): just those records, filtered in the scan;
    `columns`: just those columns (the ones the files have; the keys and loaded_at always)."""
    relation = zone_relation(pattern, "union_by_name = true")
    if relation is None:
        return None
    with zone_connection() as con:
        select = "*"
        if columns is not None:
            have = [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]
            wanted = {"source", "source_record_id", "loaded_at", *columns}
            select = ", ".join(f'"{c}"' for c in have if c in wanted)
        where = ""
        if only is not None:
            con.register("_only", only[["source", "source_record_id"]].astype(str).drop_duplicates())
            where = (
                "WHERE (CAST(source AS VARCHAR), CAST(source_record_id AS VARCHAR)) IN "
                "(SELECT (source, source_record_id) FROM _only)"
            )
        frame = con.execute(
            f"SELECT {select} FROM {relation} {where} ORDER BY loaded_at DESC NULLS LAST"
        ).fetch_arrow_table()
    # through Arrow: one Python string per distinct value (a night's cities, sources, phone types repeat
    # hundreds of thousands of times), as DuckDB's .df() would give them, timestamps in ns
    frame = frame.to_pandas(deduplicate_objects=True, self_destruct=True, coerce_temporal_nanoseconds=True)
    if frame.empty:
        return frame
    return merge_person_versions(frame)


def merge_person_versions(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows ordered most recent first → one row per (source, source_record_id), lists unioned (each value
    once, in the order the rows first hold it; missing values dropped). Array code: no Python per record."""
    keys = ["source", "source_record_id"]
    lists = [c for c in ("emails", "phones") if c in frame]
    repeated = frame.duplicated(keys, keep=False).to_numpy()
    if list(frame.columns[:2]) != keys:  # the keys first, as _union_versions gives them
        frame = frame[[*keys, *(c for c in frame.columns if c not in keys)]]
    if repeated.any():  # the records seen in several versions are unioned on their own (usually a few)
        union = _union_versions(frame.loc[repeated, [*keys, *lists]])  # in first-seen order, like `frame`'s
        latest = ~frame.duplicated(keys).to_numpy()
        frame, at = frame.loc[latest].reset_index(drop=True), np.flatnonzero(repeated[latest])
        for column in lists:
            cells = frame[column].to_numpy(copy=True)
            for i, value in zip(at.tolist(), union[column].tolist(), strict=True):
                cells[i] = value
            frame[column] = cells
    # every other record's lists only lose missing values and repeats (what the union of one version gives)
    return share_strings(frame, distinct=tuple(lists))


def _union_versions(frame: pd.DataFrame) -> pd.DataFrame:
    """merge_person_versions of any rows: the latest row of each record, its e-mails and phones unioned."""
    keys = ["source", "source_record_id"]
    group = frame.groupby(keys, sort=False, dropna=False).ngroup().to_numpy()  # numbered as first seen
    first = np.flatnonzero(~frame.duplicated(keys).to_numpy())  # the latest row of each key, in group order
    latest = frame.iloc[first].reset_index(drop=True)
    for column in ("emails", "phones"):
        if column in frame:
            latest[column] = union_lists(frame[column], group, len(first))
    return latest


def union_lists(values: pd.Series, group: np.ndarray, groups: int) -> list[list]:
    """Per group (0…groups-1, one per row of `values`): the distinct non-missing values of its rows' lists
    in order of first appearance."""
    exploded = values.reset_index(drop=True).explode()
    owner = group[exploded.index.to_numpy()]
    present = exploded.notna().to_numpy()
    flat, owner = exploded.to_numpy(dtype=object)[present], owner[present]
    codes = pd.factorize(flat)[0].astype(np.int64)
    seen = ~pd.Series(owner * max(int(codes.max(initial=0)) + 1, 1) + codes).duplicated().to_numpy()
    flat, owner = flat[seen], owner[seen]
    order = np.argsort(owner, kind="stable")
    flat, owner = flat[order], owner[order]
    bounds = np.searchsorted(owner, np.arange(groups + 1)).tolist()
    values_list = flat.tolist()
    return [values_list[a:b] for a, b in pairwise(bounds)]


def read_user_table(path: Path) -> pd.DataFrame:
    """A user's CSV/Parquet → person records. Already-built person records (list columns) pass through;
    otherwise each `source` (default: the file name) is built from canonical contact columns."""
    path = Path(path)
    if path.suffix.lower() in (".parquet", ".pq"):
        frame = pd.read_parquet(path)
    elif path.suffix.lower() in (".csv", ".txt", ".gz"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    else:
        raise ValueError(f"{path}: expected a .csv or .parquet file of person records")
    if "emails" in frame and len(frame) and isinstance(frame["emails"].iloc[0], list | tuple | np.ndarray):
        return frame
    return persons_from_table(frame, path.stem)


def persons_from_table(frame: pd.DataFrame, default_source: str) -> pd.DataFrame:
    """Canonical contact columns (string cells) → person records, one `source` at a time."""
    frame = frame.rename(columns={k: v for k, v in INPUT_ALIASES.items() if k in frame and v not in frame})
    if "source_record_id" not in frame:
        frame["source_record_id"] = [str(i + 1) for i in range(len(frame))]
    if "source" not in frame:
        frame["source"] = default_source
    frame["source"] = frame["source"].fillna("").replace("", default_source)
    parts = [
        build_person_records(group, "contact", str(source))
        for source, group in frame.groupby("source", sort=True)
    ]
    return pd.concat(parts, ignore_index=True)


# Record ids: distinct (or nearly) in every linkage table, so not looked up in a table of distinct values
RECORD_IDS = ("source_record_id", "id_l", "id_r")


def read_previous(directory: Path, table: str) -> pd.DataFrame | None:
    """Last run's linkage table; one Python string per distinct value of a column (sources, decisions,
    notes and rule names repeat over every pair) but the record ids, each column its own block (a column
    dropped is freed)."""
    read = read_previous_table(directory, table)
    return None if read is None else arrow_frame(read, read.column_names, unique=RECORD_IDS)


def read_previous_table(directory: Path, table: str) -> pa.Table | None:
    """Last run's linkage table as Arrow (an incremental night carries match_pairs so, linkage/pair_table.py)."""
    path = Path(directory) / f"{table}.parquet"
    return read_table(path) if path.exists() else None


def write_linkage_outputs(
    result: LinkageResult,
    directory: Path,
    run_id: str,
    beside: Callable[[], None] | None = None,
    xref_staged: Callable[[Path], None] | None = None,
) -> dict[str, Path]:
    """customer_xref, match_pairs, review_queue replaced; id_history and linkage_runs appended. The match
    pairs of an incremental night (~930k rows at 540k records, Arrow) are written in a thread while this one
    writes the other tables and runs `beside` (the state's tables, link_night): Parquet encoding releases the
    GIL, so the write takes the second core. Every table is written under a temporary name and all are put
    in place once all are written, in the order they always were: a write that fails (in either thread: its
    error is raised here) leaves every output as it was and no temporary file. `xref_staged`: called with the
    customer file's temporary name once it is written (what reads it may start on it: the file renamed into
    place is that very file, its inode, size and mtime kept; on a failure it is removed, never renamed)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = {name: directory / f"{name}.parquet" for name in OUTPUT_TABLES}
    staged: dict[str, Path] = {}
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="link-write") as pool:
        write_pairs = partial(_write_pairs, result.pairs, result.review, paths["match_pairs"])
        # pairs in pandas (a full night's ~1M) become Arrow whole: converted here, not beside the other tables'
        # conversions at the night's memory peak; an incremental night's are Arrow, written a batch at a time
        pairs = _done_now(write_pairs) if isinstance(result.pairs, pd.DataFrame) else pool.submit(write_pairs)
        try:
            staged["customer_xref"] = write_parquet_staged(
                result.xref, paths["customer_xref"], plain=DISTINCT_PER_ROW
            )
            if xref_staged is not None:
                xref_staged(staged["customer_xref"])
            staged["id_history"] = write_parquet_staged(
                appended_history(directory, result.history), paths["id_history"]
            )
            staged["linkage_runs"] = write_parquet_staged(
                _runs(directory, result, run_id), paths["linkage_runs"]
            )
            if beside is not None:
                beside()
            staged["match_pairs"], review = pairs.result()
            staged["review_queue"] = write_parquet_staged(
                review, paths["review_queue"], plain=DISTINCT_PER_ROW
            )
        except BaseException:
            wait([pairs])
            if not pairs.exception() and "match_pairs" not in staged:
                staged["match_pairs"] = pairs.result()[0]
            for tmp in staged.values():
                tmp.unlink(missing_ok=True)
            raise
    for name in OUTPUT_TABLES:
        staged[name].replace(paths[name])
    return paths


def _done_now(fn: Callable[[], T]) -> Future[T]:
    """fn() run here, as a done future (its result or its error)."""
    future: Future[T] = Future()
    try:
        future.set_result(fn())
    except Exception as error:
        future.set_exception(error)
    return future


def _utc_now() -> pd.Timestamp:
    """Now as the customer file's `linked_at` holds times: UTC, without a zone (linkage/engine.py)."""
    return pd.Timestamp.now(tz="UTC").tz_localize(None)


def _runs(directory: Path, result: LinkageResult, run_id: str) -> pd.DataFrame:
    """linkage_runs: last run's rows and the night's (its summary's figures and the summary as JSON)."""
    runs = read_previous(directory, "linkage_runs")
    summary = {k: v for k, v in result.summary.items()}
    run_row = pd.DataFrame(
        [{"run_id": run_id, "linked_at": _utc_now().floor("s"),
          **{k: v for k, v in summary.items() if isinstance(v, int | float) and not isinstance(v, bool)},
          "summary_json": json.dumps(summary, default=str, ensure_ascii=False)}]
    )  # fmt: skip
    return run_row if runs is None else pd.concat([runs, run_row], ignore_index=True)


def _write_pairs(
    pairs: pd.DataFrame | pa.Table | OrderedPairs,
    review: pd.DataFrame | pa.Table | OrderedPairs,
    path: Path,
) -> tuple[Path, pd.DataFrame | pa.Table | OrderedPairs]:
    """Write match_pairs under a temporary name (write_parquet_staged); returns it and the review queue to write. Pairs in order not gathered and their review
    rows (review_rows): the review rows are filtered out of each batch of pairs as it is written, not
    gathered from last run's and the night's pairs a second time (~150k of ~930k pairs at 540k records)."""
    wanted = None
    if isinstance(pairs, OrderedPairs) and isinstance(review, OrderedPairs) and review.table is pairs.table:
        wanted = decided_as(pairs, "review")
        if not np.array_equal(pairs.rows[wanted], review.rows):
            wanted = None  # not the pairs' review rows: written as they are
    parts: list[pa.Table] = []
    written = 0  # pairs written so far

    def keep_review(batch: pa.Table) -> None:
        nonlocal written
        parts.append(batch.filter(wanted[written : written + batch.num_rows]))
        written += batch.num_rows

    tmp = write_parquet_staged(
        pairs, path, plain=DISTINCT_PER_ROW, on_batch=None if wanted is None else keep_review
    )
    if wanted is None or written != len(pairs):  # (encrypted: the pairs were written whole)
        return tmp, review
    return tmp, pa.concat_tables(parts) if parts else review.table.schema.empty_table()


def appended_history(directory: Path, night: pd.DataFrame) -> pa.Table:
    """id_history: last run's events, then the night's. Joined in Arrow when the night's are of the stored
    columns and types (last run's ~150k events at 150k customers are not made Python objects and back every
    night), else in pandas as they always were."""
    stored = read_previous_table(directory, "id_history")
    if stored is not None and stored.num_rows and len(night):
        added = history_table(night)
        if added.schema.remove_metadata().equals(stored.schema.remove_metadata()):
            return pa.concat_tables([stored, added.replace_schema_metadata(stored.schema.metadata)])
    history = None if stored is None else arrow_frame(stored, stored.column_names, unique=RECORD_IDS)
    parts = [h for h in (history, night) if h is not None and len(h)]
    return history_table(pd.concat(parts, ignore_index=True) if parts else night)


def history_table(history: pd.DataFrame) -> pa.Table:
    """id_history as Arrow, `related_ids` a list of strings whatever its rows hold: a run whose events name no
    related id (a first run's) would store a list of nulls, which an encrypted file keeps as a list of integers
    that the next night's ids then fail to convert into."""
    if "related_ids" not in history:
        return pa.Table.from_pandas(history, preserve_index=False)
    related = pa.array(history["related_ids"], type=pa.list_(pa.string()), from_pandas=True)
    table = pa.Table.from_pandas(history.assign(related_ids=None), preserve_index=False)
    return table.set_column(table.schema.get_field_index("related_ids"), "related_ids", related)


# --- incremental state (linkage/state/) -----------------------------------------------------------------

STATE_DIR = "state"


def state_dir(directory: Path) -> Path:
    return Path(directory) / STATE_DIR


def person_inputs(root: Path, pattern: str) -> dict[str, str]:
    """Fingerprint of the files under `root` matching `pattern` (relative to it) that hold rows: path relative
    to `root` → size and mtime, so a data dir moved or restored elsewhere still names the same files. A night
    whose standardise found nothing new writes only empty files, so the fingerprint stays the same; an erasure
    rewrites a file, so it changes."""
    out = {}
    for path in sorted(Path(root).glob(pattern)):
        if open_parquet(path).metadata.num_rows:
            stat = path.stat()
            out[path.relative_to(root).as_posix()] = f"{stat.st_size}:{stat.st_mtime_ns}"
    return out


def read_state(directory: Path) -> tuple[LinkageState | None, dict[str, str]]:
    """The stored model, term frequencies and record digests, and the person inputs they were linked from
    ({} when none)."""
    folder = state_dir(directory)
    stored = _model(folder)
    if stored is None:
        return None, {}
    text, parts = stored
    digests, frequencies = (
        read_parts(folder, parts[name]) if name in parts else None for name in STATE_TABLES[:2]
    )
    records, origin = (
        read_ordered_parts(folder, parts[RECORDS], READ_OF_EVERY_RECORD) if RECORDS in parts else (None, None)
    )
    encoding = read_encoding(folder, parts, records, origin)
    state = LinkageState.from_json(text, digests, frequencies, records, encoding)
    for key in ("generation", "parts"):
        state.extra.pop(key, None)
    return state, dict(state.extra.pop("person_inputs", {}))


STATE_TABLES = ("record_digests", "term_frequencies", RECORDS)


def state_files(directory: Path) -> list[Path]:
    """The files of the stored state, in the order read_state reads them ([] when there is no state)."""
    stored = _model(state_dir(directory))
    if stored is None:
        return []
    parts = stored[1]
    order = [
        *(name for name in STATE_TABLES if name in parts),
        *(name for name in parts if name not in STATE_TABLES),
    ]
    return [state_dir(directory) / str(part["file"]) for name in order for part in parts[name]]


def stored_model(directory: Path) -> dict | None:
    """model.json of the stored state as a dict (None when there is no state): what a night needs to tell that
    nothing is to be linked, without reading the state's tables."""
    stored = _model(state_dir(directory))
    return None if stored is None else json.loads(stored[0])


def _model(folder: Path) -> tuple[str, dict[str, list[Part]]] | None:
    """model.json's text and the files of each table it names, when they make a state (None otherwise)."""
    model = folder / "model.json"
    if not model.exists():
        return None
    text = model.read_text(encoding="utf-8")
    parts = _parts(json.loads(text), folder)
    if "record_digests" not in parts or not (folder / str(parts["record_digests"][0]["file"])).exists():
        return None
    return text, parts


def _parts(model: dict, folder: Path) -> dict[str, list[Part]]:
    """The files of each state table model.json names (a state written before parts: its generation's)."""
    if "parts" in model:
        return model["parts"]
    generation = model.get("generation")
    suffix = f".{generation}" if generation else ""
    files = {name: f"{name}{suffix}.parquet" for name in STATE_TABLES}
    return {
        name: [{"file": file, "rows": open_parquet(folder / file).metadata.num_rows}]
        for name, file in files.items()
        if (folder / file).exists()
    }


def write_state(
    directory: Path,
    state: LinkageState,
    inputs: dict[str, str],
    night: pd.DataFrame | None = None,
    stored_vocab: np.ndarray | None = None,
) -> None:
    """stage_state, then commit_state: the tables under a new generation's names, then model.json naming
    them (written to a temporary file, fsynced, renamed over the old one), then the files it no longer names removed. A process killed anywhere
    in between leaves a model.json naming a complete state: the old one, whose night re-links the changed
    records again (ids stay stable), or the new one. `night` (source, source_record_id): the only records
    that changed since the stored state (a night that read only its new records): their rows are written
    as one more part of the stored tables (assets/link/state_parts.py), the term frequencies named again;
    their codes as one more part of the stored encoding when the night's extends it (`stored_vocab`: the
    vocabulary the night read, assets/link/state_encoding.py), else the encoding and the prepared records whole."""
    commit_state(stage_state(directory, state, inputs, night, stored_vocab))


@dataclass(frozen=True)
class StagedState:
    """A state's tables written under a new generation's names, which no model.json names yet."""

    folder: Path
    state: LinkageState
    inputs: dict[str, str]
    generation: str
    parts: dict[str, list[Part]]


def stage_state(
    directory: Path,
    state: LinkageState,
    inputs: dict[str, str],
    night: pd.DataFrame | None = None,
    stored_vocab: np.ndarray | None = None,
) -> StagedState:
    """write_state's first half: its tables under a new generation's names (`night`, `stored_vocab`: as
    write_state takes them); nothing names them until commit_state."""
    folder = state_dir(directory)
    folder.mkdir(parents=True, exist_ok=True)
    model = folder / "model.json"
    before = _parts(json.loads(model.read_text(encoding="utf-8")), folder) if model.exists() else {}
    generation = uuid.uuid4().hex[:12]
    encoding = state.encoding if state.records is not None else None
    extends = (
        encoding is not None and night is not None and extends_stored(folder, before, encoding, stored_vocab)
    )
    parts: dict[str, list[Part]] = {}
    appended: np.ndarray | None = None  # the night's rows of the prepared records, when written as a part
    for name, table in zip(STATE_TABLES, (state.digests, state.frequencies, state.records), strict=True):
        if table is None:
            continue
        stored = before.get(name) if night is not None else None
        if stored and name == "term_frequencies":  # only a fit changes them: a night names them again
            parts[name] = stored
            continue
        if name == RECORDS and encoding is not None and not extends:
            stored = None  # the encoding is written whole: so are the records it encodes
        mine = among(table, night) if stored else None
        rows = table[mine].reset_index(drop=True) if mine is not None else table
        if not stored or not appendable(stored, len(rows)):
            stored, rows, mine = [], table, None
        file = f"{name}.{generation}.parquet"
        write_parquet_atomic(arrow_table(rows) if name == RECORDS else rows, folder / file)
        parts[name] = [*stored, {"file": file, "rows": len(rows)}]
        if name == RECORDS and mine is not None:
            appended = np.flatnonzero(mine)
    if encoding is not None:
        parts |= write_encoding(folder, generation, encoding, parts[RECORDS], before, appended)
    return StagedState(folder, state, inputs, generation, parts)


def commit_state(staged: StagedState) -> None:
    """write_state's second half: model.json naming the staged tables, then the files it no longer names removed."""
    folder, state, parts = staged.folder, staged.state, staged.parts
    state.extra.update(person_inputs=staged.inputs, generation=staged.generation, parts=parts)
    tmp = folder / "model.json.tmp"
    with tmp.open("w", encoding="utf-8") as out:
        out.write(state.to_json())
        out.flush()
        os.fsync(out.fileno())
    tmp.replace(folder / "model.json")
    for key in ("generation", "parts"):
        state.extra.pop(key)
    named = {str(p["file"]) for table in parts.values() for p in table}
    for stale in folder.glob("*.parquet"):
        if stale.name not in named:
            stale.unlink(missing_ok=True)


def drop_staged_state(staged: StagedState) -> None:
    """A staged state not to be committed (the night's outputs failed): its generation's files removed."""
    for path in staged.folder.glob(f"*.{staged.generation}.parquet"):
        path.unlink(missing_ok=True)
