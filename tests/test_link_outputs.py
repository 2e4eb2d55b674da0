"""assets/link/io.py write_linkage_outputs: id_history is appended night after night, encrypted at rest or not —
a first run's history, whose events name no related id, takes the next night's merges; the columns with a value
per row are written without a dictionary."""

import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from pandas.testing import assert_frame_equal

from assets import parquet_files
from assets.link.io import read_previous, write_linkage_outputs
from linkage.engine import LinkageResult
from linkage.pair_table import OrderedPairs, review_rows


def _result(history: pd.DataFrame) -> LinkageResult:
    xref = pd.DataFrame(
        {"source": ["crm", "crm"], "source_record_id": ["1", "2"], "customer_id": ["C1", "C1"],
         "linked_at": pd.Timestamp("2026-01-01")}
    )  # fmt: skip
    pairs = pd.DataFrame({"source_l": ["crm"], "id_l": ["1"], "source_r": ["crm"], "id_r": ["2"]})
    return LinkageResult(
        xref=xref, pairs=pairs, review=pairs.iloc[:0], history=history, summary={"records": 2}
    )


def _history(run: str, events: list[tuple[str, str, list[str]]]) -> pd.DataFrame:
    return pd.DataFrame(
        {"run_id": run, "customer_id": [e[0] for e in events], "event": [e[1] for e in events],
         "related_ids": pd.Series([e[2] for e in events], dtype=object),
         "at": pd.Timestamp("2026-01-01").as_unit("ns")}
    )  # fmt: skip


@pytest.mark.parametrize("key", [None, "outputs test key"])
def test_the_history_of_a_first_run_takes_the_next_nights_related_ids(tmp_path: Path, monkeypatch, key):
    if key:
        monkeypatch.setenv("C360_ENCRYPTION_KEY", key)
    write_linkage_outputs(
        _result(_history("run-1", [("C1", "new", []), ("C2", "new", [])])), tmp_path, "run-1"
    )
    night = _history("run-2", [("C1", "merged", ["C2"]), ("C2", "retired", ["C1"])])
    write_linkage_outputs(_result(night), tmp_path, "run-2")
    history = read_previous(tmp_path, "id_history")
    assert history["event"].tolist() == ["new", "new", "merged", "retired"]
    assert [list(v) for v in history["related_ids"]] == [[], [], ["C2"], ["C1"]]


@pytest.mark.parametrize("key", [None, "outputs test key"])
def test_the_history_appended_in_arrow_is_the_one_pandas_joins(tmp_path: Path, monkeypatch, key):
    """Nights whose events have the stored columns are appended in Arrow; one with another column is joined
    in pandas (the earlier rows without it): the rows, values and types of a pandas concat either way."""
    if key:
        monkeypatch.setenv("C360_ENCRYPTION_KEY", key)
    nights = [
        _history("run-1", [("C1", "created", []), ("C2", "created", [])]),
        _history("run-2", [("C1", "merged", ["C2"]), ("C2", "retired", ["C1"])]),
        _history("run-3", []),
        _history("run-4", [("C3", "split", ["C1", "C4"])]).assign(note="steward"),
    ]
    for i, night in enumerate(nights):
        write_linkage_outputs(_result(night), tmp_path, f"run-{i + 1}")
        history = read_previous(tmp_path, "id_history")
        expected = pd.concat([n for n in nights[: i + 1] if len(n)], ignore_index=True)
        if "note" in expected:  # missing as the file reads it back: None
            expected["note"] = expected["note"].astype(object).where(expected["note"].notna(), None)
        assert list(history.columns) == list(expected.columns)
        pd.testing.assert_frame_equal(
            history.drop(columns="related_ids"), expected.drop(columns="related_ids")
        )
        assert [list(v) for v in history["related_ids"]] == expected["related_ids"].tolist()


def _encodings(path: Path) -> dict[str, bool]:
    """Per column of a Parquet file: whether its first row group is dictionary-encoded."""
    group = pq.ParquetFile(path).metadata.row_group(0)
    return {
        group.column(i).path_in_schema: group.column(i).has_dictionary_page for i in range(group.num_columns)
    }


@pytest.mark.parametrize("kind", ["pandas", "arrow", "ordered"])
def test_record_ids_and_weights_are_written_without_a_dictionary_the_rows_unchanged(tmp_path: Path, kind):
    """customer_xref, match_pairs and review_queue: a pair's record ids and weight, a record's id (a value per
    row) are written plain, the other columns with a dictionary; the rows read back as written, whether the
    night's pairs are pandas, Arrow or rows in order not gathered (an incremental night's)."""
    pairs = pd.DataFrame(
        {"source_l": ["crm"] * 4, "id_l": ["1", "2", "3", "4"], "source_r": ["erp"] * 4,
         "id_r": ["5", "6", "7", "8"], "match_weight": [9.5, 7.25, 3.0, 1.5],
         "decision": ["match", "match", "review", "review"]}
    )  # fmt: skip
    table = pa.Table.from_pandas(pairs, preserve_index=False)
    frames = {"pandas": pairs, "arrow": table, "ordered": OrderedPairs(table, np.arange(4))}
    result = _result(_history("run-1", [("C1", "created", [])]))
    result.pairs = frames[kind]
    result.review = review_rows(frames[kind])
    paths = write_linkage_outputs(result, tmp_path, "run-1")
    for name in ("match_pairs", "review_queue"):
        plain = {"id_l": False, "id_r": False, "match_weight": False}
        assert _encodings(paths[name]) == {c: plain.get(c, True) for c in pairs.columns}
    assert not _encodings(paths["customer_xref"])["source_record_id"]
    assert _encodings(paths["customer_xref"])["customer_id"]
    assert_frame_equal(pd.read_parquet(paths["match_pairs"]), pairs)
    assert_frame_equal(pd.read_parquet(paths["review_queue"]), pairs.iloc[2:].reset_index(drop=True))
    # linked_at comes back in another unit, as before
    assert_frame_equal(pd.read_parquet(paths["customer_xref"]), result.xref, check_dtype=False)


@pytest.mark.parametrize("key", [None, "outputs test key"])
def test_review_rows_of_pairs_in_order_are_filtered_from_the_batches_written(
    tmp_path: Path, monkeypatch, key
):
    """An incremental night's pairs (in order, not gathered) and their review rows: the review queue is taken
    out of each batch of pairs as it is written, not gathered a second time; both files hold what the
    gathered tables hold, the review queue in one row group as before. Encrypted, both are gathered whole."""
    if key:
        monkeypatch.setenv("C360_ENCRYPTION_KEY", key)
    monkeypatch.setattr("linkage.pair_table.BATCH_ROWS", 3)
    rng = np.random.default_rng(5)
    pairs = pd.DataFrame(
        {"source_l": "crm", "id_l": [str(i) for i in range(10)], "source_r": "erp",
         "id_r": [f"r{i}" for i in range(10)], "match_weight": rng.normal(0, 5, 10),
         "decision": ["review", "match", "review", "review", "non_match"] * 2}
    )  # fmt: skip
    ordered = OrderedPairs(pa.Table.from_pandas(pairs, preserve_index=False), rng.permutation(10))
    result = _result(_history("run-1", [("C1", "created", [])]))
    taken = []
    monkeypatch.setattr(
        OrderedPairs, "take", lambda self, rows: taken.append(len(rows)) or self.table.take(self.rows[rows])
    )
    result.pairs, result.review = ordered, review_rows(ordered)
    paths = write_linkage_outputs(result, tmp_path, "run-1")
    expected = pairs.iloc[ordered.rows].reset_index(drop=True)
    assert_frame_equal(read_previous(tmp_path, "match_pairs"), expected)
    review = expected[expected["decision"] == "review"].reset_index(drop=True)
    assert_frame_equal(read_previous(tmp_path, "review_queue"), review)
    if not key:
        assert taken == [3, 3, 3, 1]  # the pairs' batches only
        assert pq.ParquetFile(paths["review_queue"]).metadata.num_row_groups == 1


@pytest.mark.parametrize("failing", ["match_pairs", "customer_xref", "review_queue"])
def test_a_write_that_fails_in_either_thread_raises_and_leaves_every_output_as_it_was(
    tmp_path: Path, monkeypatch, failing
):
    """match_pairs is written in a thread beside the other tables: a failure there or here raises its error
    in the step and leaves every output as the last run wrote it (none put in place) and no temporary file."""

    def arrow_pairs(result: LinkageResult) -> LinkageResult:  # an incremental night's: written in a thread
        pairs = pa.Table.from_pandas(result.pairs, preserve_index=False)
        return LinkageResult(result.xref, pairs, pairs.slice(0, 0), result.history, result.summary)

    write_linkage_outputs(arrow_pairs(_result(_history("run-1", [("C1", "new", [])]))), tmp_path, "run-1")
    before = {path.name: path.read_bytes() for path in tmp_path.iterdir()}
    real, threads = parquet_files._write, {}

    def write(frame, tmp, *args):
        threads[tmp.name.split(".")[0]] = threading.current_thread().name
        if tmp.name.startswith(failing + "."):
            raise OSError(f"disk full writing {failing}")
        return real(frame, tmp, *args)

    monkeypatch.setattr(parquet_files, "_write", write)
    with pytest.raises(OSError, match=f"disk full writing {failing}"):
        write_linkage_outputs(arrow_pairs(_result(_history("run-2", [("C2", "new", [])]))), tmp_path, "run-2")
    assert {path.name: path.read_bytes() for path in tmp_path.iterdir()} == before
    assert threads["match_pairs"].startswith("link-write") and threads["customer_xref"] == "MainThread"


def test_pairs_in_pandas_are_written_in_the_steps_thread(tmp_path: Path, monkeypatch):
    """A full night's pairs (pandas, ~1M) become Arrow whole: not beside the other tables' conversions, where
    the night's memory peaks."""
    real, threads = parquet_files._write, {}

    def write(frame, tmp, *args):
        threads[tmp.name.split(".")[0]] = threading.current_thread().name
        return real(frame, tmp, *args)

    monkeypatch.setattr(parquet_files, "_write", write)
    write_linkage_outputs(_result(_history("run-1", [("C1", "new", [])])), tmp_path, "run-1")
    assert set(threads.values()) == {"MainThread"} and len(threads) == 5


def test_the_customer_file_is_handed_on_staged_before_the_other_outputs_and_renamed_as_it_was(tmp_path: Path):
    """`xref_staged` is given the customer file under its temporary name once it is written, before the other
    outputs are and before any is in place: the file put in place is that very file (inode, size, mtime)."""
    import os

    seen: list[tuple[Path, tuple[int, int, int], list[str]]] = []

    def staged(path: Path) -> None:
        stat = os.stat(path)
        seen.append(
            (path, (stat.st_ino, stat.st_size, stat.st_mtime_ns), sorted(p.name for p in tmp_path.iterdir()))
        )

    paths = write_linkage_outputs(
        _result(_history("run-1", [("C1", "new", [])])), tmp_path, "run-1", xref_staged=staged
    )
    [(path, identity, listed)] = seen
    assert path.parent == tmp_path and path != paths["customer_xref"] and not path.exists()
    assert path.name in listed and not any(name.endswith(".parquet") for name in listed)  # none in place yet
    stat = os.stat(paths["customer_xref"])
    assert identity == (stat.st_ino, stat.st_size, stat.st_mtime_ns)
