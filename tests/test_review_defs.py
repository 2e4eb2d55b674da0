"""review/queue asset and its check: size, age and decisions per day after each run; a warning when it grows."""

import threading
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from assets.layout import REPO_ROOT, DataLayout
from assets.parquet_files import read_parquet, write_parquet_atomic
from assets.review.decisions import record_decisions
from assets.review.defs import queue_problems, queue_status, review_queue_asset, review_queue_check
from assets.settings import Settings


def _review(root: Path, n: int) -> None:
    frame = pd.DataFrame({"source_l": ["a"] * n, "id_l": [str(i) for i in range(n)], "source_r": ["b"] * n,
                          "id_r": [str(i) for i in range(n)], "match_probability": [0.5] * n})  # fmt: skip
    write_parquet_atomic(frame, root / "linkage" / "review_queue.parquet")


def _materialize(root: Path) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [review_queue_asset, review_queue_check], resources={"settings": Settings(data_dir=str(root))}
    )


def test_queue_asset_reports_size_age_and_decisions_and_warns_when_growing(tmp_path: Path):
    layout = DataLayout(root=tmp_path, landing="", config_dir=REPO_ROOT / "config")
    _review(tmp_path, 3)
    record_decisions(
        layout, pd.DataFrame([{"source_l": "a", "id_l": "0", "source_r": "b", "id_r": "0"}]), "match", "page"
    )
    result = _materialize(tmp_path)
    meta = result.asset_materializations_for_node("review__queue")[0].metadata
    assert (
        meta["open_pairs"].value == 2
        and meta["decisions_total"].value == 1
        and meta["decided_today"].value == 1
    )
    assert result.get_asset_check_evaluations()[0].passed
    for n in (5, 8, 13):  # three runs in a row, each leaving more open pairs
        _review(tmp_path, n)
        result = _materialize(tmp_path)
    check = result.get_asset_check_evaluations()[0]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.WARN
    assert "grew in each of the last 3 runs" in check.description


def test_age_of_the_oldest_pair_is_remembered_across_runs(tmp_path: Path):
    layout = DataLayout(root=tmp_path, landing="", config_dir=REPO_ROOT / "config")
    _review(tmp_path, 2)
    queue_status(layout, now=pd.Timestamp("2026-01-01", tz="UTC"))
    status = queue_status(layout, now=pd.Timestamp("2026-01-20", tz="UTC"))
    assert status["oldest_days"] == 19
    history = pd.DataFrame({"open": [2, 2], "oldest_days": [0, 19]})
    assert queue_problems(history) == ["a pair has waited 19 days (more than 14)"]


def test_a_pair_settled_either_way_round_leaves_the_queue_an_unsure_one_stays(tmp_path: Path):
    """The status joins pair keys in DuckDB: a decision given with the sides swapped settles the pair too,
    `unsure` keeps it open, and an open pair keeps the day it entered the queue."""
    layout = DataLayout(root=tmp_path, landing="", config_dir=REPO_ROOT / "config")
    _review(tmp_path, 4)
    queue_status(layout, now=pd.Timestamp("2026-01-01", tz="UTC"))
    swapped = pd.DataFrame([{"source_l": "b", "id_l": "1", "source_r": "a", "id_r": "1"}])
    record_decisions(layout, swapped, "non_match", "page")
    record_decisions(
        layout, pd.DataFrame([{"source_l": "a", "id_l": "2", "source_r": "b", "id_r": "2"}]), "unsure", "page"
    )
    status = queue_status(layout, now=pd.Timestamp("2026-01-05", tz="UTC"))
    assert status["open"] == 3 and status["oldest_days"] == 4
    seen = read_parquet(tmp_path / "linkage" / "review" / "queue_seen.parquet")
    assert seen["id_l"].tolist() == ["0", "2", "3"]  # linkage's order, the settled pair gone


def test_the_queue_reads_done_ahead_give_the_same_status_and_a_queue_rewritten_meanwhile_is_read_again(
    tmp_path: Path,
):
    """The run reads the review queue, the seen pairs and the decisions in the background once the link step is
    done (`planned_queue_reads`); the step takes them and dates the new pairs itself: the same status and seen
    file as read in the step. A queue rewritten after the reads is read again in the step."""
    from assets import background
    from assets.review import defs

    layout = DataLayout(root=tmp_path, landing="", config_dir=REPO_ROOT / "config")
    _review(tmp_path, 4)
    queue_status(layout, now=pd.Timestamp("2026-01-01", tz="UTC"))
    _review(tmp_path, 6)
    record_decisions(
        layout, pd.DataFrame([{"source_l": "a", "id_l": "1", "source_r": "b", "id_r": "1"}]), "match", "page"
    )
    seen = tmp_path / "linkage" / "review" / "queue_seen.parquet"
    before = seen.read_bytes()
    here = queue_status(layout, now=pd.Timestamp("2026-01-03", tz="UTC"))
    seen_here = read_parquet(seen)
    seen.write_bytes(before)

    read_by: list[str] = []
    real = defs._queue_reads
    reads = lambda layout: (read_by.append(threading.current_thread().name), real(layout))[1]  # noqa: E731
    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(defs, "_queue_reads", reads)
        with background.background_run(defs.planned_queue_reads(layout, "link")):
            background.reached("link")
            background._started[-1].join()
            ahead = queue_status(layout, now=pd.Timestamp("2026-01-03", tz="UTC"))
        assert len(read_by) == 1 and read_by[0].startswith("background:")
        assert {k: v for k, v in ahead.items() if k != "at"} == {k: v for k, v in here.items() if k != "at"}
        assert_frame_equal(read_parquet(seen), seen_here)
        assert ahead["open"] == 5 and ahead["oldest_days"] == 2

        with background.background_run(defs.planned_queue_reads(layout, "link")):
            background.reached("link")
            background._started[-1].join()
            _review(tmp_path, 9)  # the queue rewritten after the reads
            again = queue_status(layout, now=pd.Timestamp("2026-01-04", tz="UTC"))
        assert len(read_by) == 3 and read_by[2] == threading.current_thread().name
        assert again["open"] == 8
    assert defs.planned_queue_reads(layout, None) == {}
