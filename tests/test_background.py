"""assets/background.py: work started ahead is taken only when its inputs are the ones it read."""

import gc
import os
import threading
import weakref
from pathlib import Path

import pytest

from assets import background
from assets.background import (
    LINKAGE_WRITTEN,
    NEW_FILES_LOADED,
    XREF_STAGED,
    background_run,
    discard,
    identity,
    reached,
    start,
    take,
)
from assets.review.defs import queue_reads_work


def _write(path: Path, text: str) -> None:
    """An atomic rewrite, as write_parquet_atomic makes it (a new inode)."""
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.replace(path)


def test_a_result_done_ahead_is_taken_and_fn_not_run_again(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("night 1")
    calls = []

    def read() -> str:
        calls.append(1)
        return path.read_text()

    with background_run():
        start("a", read, [path])
        assert take("a", read, [path]) == "night 1"
    assert len(calls) == 1


def test_an_input_rewritten_after_the_work_is_read_again(tmp_path):
    """An erasure rewriting linkage/ after the read ahead: the step reads the rewritten file itself."""
    path = tmp_path / "a.txt"
    path.write_text("before erasure")
    with background_run():
        start("a", path.read_text, [path])
        background._tasks["a"].done.wait()
        _write(path, "after erasure")
        assert take("a", path.read_text, [path]) == "after erasure"


def test_an_input_rewritten_during_the_work_is_read_again(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("old")
    reading, rewritten = threading.Event(), threading.Event()

    def slow_read() -> str:
        text = path.read_text()
        reading.set()
        rewritten.wait(5)
        return text

    with background_run():
        start("a", slow_read, [path])
        reading.wait(5)
        _write(path, "new")
        rewritten.set()
        assert take("a", path.read_text, [path]) == "new"


def test_a_folders_new_entry_changes_its_identity(tmp_path):
    """The state folder: a new part written beside the others (same names of the rest) is seen."""
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "model.json").write_text("{}")
    before = identity([tmp_path / "state"])
    assert identity([tmp_path / "state"]) == before  # stable while untouched
    (tmp_path / "state" / "part.parquet").write_text("x")
    after_part = identity([tmp_path / "state"])
    assert after_part != before
    os.utime(tmp_path / "state" / "model.json", ns=(1, 1))  # an entry rewritten in place
    assert identity([tmp_path / "state"]) != after_part
    assert identity([tmp_path / "missing"]) == ((str(tmp_path / "missing"), None),)


def test_work_that_raised_is_done_again_in_the_step_so_its_error_surfaces_there(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("x")
    runs = []

    def failing() -> str:
        runs.append(threading.current_thread().name)
        raise ValueError("corrupt file")

    with background_run():
        start("a", failing, [path])
        with pytest.raises(ValueError, match="corrupt file"):
            take("a", failing, [path])
    assert runs[0].startswith("background:") and runs[1] == threading.current_thread().name


def test_outside_a_run_nothing_starts_and_take_does_the_work(tmp_path):
    started = []
    start("a", lambda: started.append(1), [tmp_path])
    assert take("a", lambda: "here", [tmp_path]) == "here" and not started


def test_the_runs_end_drops_what_nobody_took(tmp_path):
    with background_run():
        start("a", lambda: "night 1", [tmp_path])
    with background_run():
        assert take("a", lambda: "night 2", [tmp_path]) == "night 2"


def test_a_discarded_or_already_taken_result_is_not_given_twice(tmp_path):
    with background_run():
        start("a", lambda: "ahead", [tmp_path])
        discard("a")
        assert take("a", lambda: "here", [tmp_path]) == "here"
        start("b", lambda: "ahead", [tmp_path])
        assert take("b", lambda: "here", [tmp_path]) == "ahead"
        assert take("b", lambda: "here", [tmp_path]) == "here"


def test_work_planned_after_a_step_starts_only_when_that_reached(tmp_path):
    with background_run({"privacy__erasure": [lambda: start("a", lambda: "ahead", [tmp_path])]}):
        reached("raw__orders")
        assert background._tasks == {}
        reached("privacy__erasure")
        reached("privacy__erasure")  # once
        assert take("a", lambda: "here", [tmp_path]) == "ahead"


def test_a_plan_is_its_starters_at_its_point_or_nothing_and_merged_plans_keep_each_points_order():
    """`plan` is what each part of the run plans (nothing without a point to wait for); `merged_plans` keeps
    the starters of a point two plans wait for in the plans' order."""
    first, second, third = (lambda: None), (lambda: None), (lambda: None)
    assert background.plan(None, first) == {}
    assert background.plan("link", first, second) == {"link": [first, second]}
    merged = background.merged_plans(
        background.plan("link", first), background.plan(None, second), background.plan("review", second),
        background.plan("link", third),
    )  # fmt: skip
    assert merged == {"link": [first, third], "review": [second]}


def test_a_taken_or_discarded_result_is_freed_with_the_steps_last_reference(tmp_path):
    """The link step frees last night's state before its writes: the run's scope must not keep it alive."""

    class Big:
        pass

    with background_run():
        start("a", Big, [tmp_path])
        taken = weakref.ref(take("a", Big, [tmp_path]))
        gc.collect()
        assert taken() is None
        ready = threading.Event()
        start("b", lambda: (ready.wait(5), Big())[1], [tmp_path])
        discard("b")
        ready.set()
        background._started[-1].join()
        assert not [o for o in gc.get_objects() if isinstance(o, Big)]


def test_a_full_night_plans_no_background_work_and_a_night_plans_only_for_its_steps(tmp_path, monkeypatch):
    """A first night or a full re-link is the run's memory peak: nothing is read ahead beside it. An incremental
    night plans each use only when the steps that take it run."""
    monkeypatch.setenv("C360_LINK_READ_AHEAD", "1")  # as on a machine with more than two cores
    from assets.layout import DataLayout
    from orchestration.executor import LINK_STEP, LINKAGE_CHECK_STEP, REPORT_STEP, REVIEW_STEP
    from orchestration.executor import planned_background_work as planned

    layout = DataLayout(root=tmp_path, landing=str(tmp_path / "landing"), config_dir=tmp_path / "config")
    every = [LINK_STEP, LINKAGE_CHECK_STEP, REVIEW_STEP, REPORT_STEP]
    assert planned(layout, False, "2026-01-02", every) == {} and planned(layout, False, "2026-01-02") == {}
    assert set(planned(layout, True, "2026-01-02", every)) == {
        NEW_FILES_LOADED, XREF_STAGED, LINKAGE_WRITTEN, REVIEW_STEP,
    }  # fmt: skip
    assert set(planned(layout, True, None, [LINK_STEP, REPORT_STEP])) == {NEW_FILES_LOADED}


def test_the_link_reads_ahead_are_planned_only_where_they_pay(tmp_path, monkeypatch):
    """On two cores the reads ahead cost ingest what they save the link step (the warm dbt parse already uses the
    second core there): planned with more than two cores, or when C360_LINK_READ_AHEAD asks."""
    from assets.layout import DataLayout
    from assets.link import prefetch

    layout = DataLayout(root=tmp_path, landing=str(tmp_path / "landing"), config_dir=tmp_path / "config")
    monkeypatch.delenv("C360_LINK_READ_AHEAD", raising=False)
    assert not prefetch.read_ahead_pays(cores=2) and prefetch.read_ahead_pays(cores=4)
    monkeypatch.setattr(prefetch, "read_ahead_pays", lambda cores=None: False)
    assert prefetch.planned_link_reads(layout, True) == {}
    monkeypatch.undo()
    for value, pays in (("0", False), ("1", True)):
        monkeypatch.setenv("C360_LINK_READ_AHEAD", value)
        assert prefetch.read_ahead_pays(cores=2) is pays and prefetch.read_ahead_pays(cores=8) is pays
        assert bool(prefetch.planned_link_reads(layout, True)) is pays


def test_work_started_in_order_is_taken_as_each_is_done_and_work_discarded_before_it_began_is_not_done(
    tmp_path,
):
    """start_in_order (the link step's files decoded one after the other): the first is taken while the next
    is still under way; one discarded before its turn is never done."""
    release, done = threading.Event(), []

    def slow() -> str:
        release.wait(5)
        done.append("b")
        return "b ahead"

    with background_run():
        background.start_in_order(
            [
                ("a", lambda: "a ahead", [tmp_path]),
                ("b", slow, [tmp_path]),
                ("c", lambda: done.append("c"), []),
            ]
        )
        assert background.under_way("c")
        assert take("a", lambda: "a here", [tmp_path]) == "a ahead" and not done
        discard("c")
        assert not background.under_way("c")
        release.set()
        assert take("b", lambda: "b here", [tmp_path]) == "b ahead"
        background._started[-1].join()
    assert done == ["b"]


def test_a_runs_end_leaves_work_not_yet_begun_undone(tmp_path):
    """The run's end waits for the work under way, not for the work queued after it."""
    release, done = threading.Event(), []
    with background_run():
        background.start_in_order([("a", lambda: release.wait(5), []), ("b", lambda: done.append("b"), [])])
        threading.Timer(0.5, release.set).start()  # "a" ends while the scope's end waits for it
    assert release.is_set() and not done


def test_a_night_whose_link_step_writes_nothing_reads_nothing_for_the_queue_or_the_check(tmp_path):
    """A night without new records runs the link step (it finds nothing to link and writes nothing) and skips what
    follows: the review queue's reads and the linkage check's figures start only once the link step has put its
    outputs in place (LINKAGE_WRITTEN), not on its success; an empty night at 150k customers read them for
    nothing, ~150 MB held to the run's end."""
    from assets.layout import DataLayout
    from orchestration.checks import xref_figures_work
    from orchestration.executor import LINK_STEP, LINKAGE_CHECK_STEP, REPORT_STEP, REVIEW_STEP
    from orchestration.executor import planned_background_work as planned

    layout = DataLayout(root=tmp_path, landing=str(tmp_path / "landing"), config_dir=tmp_path / "config")
    queue, figures = queue_reads_work(layout)[0], xref_figures_work(layout)[0]
    steps = [LINK_STEP, LINKAGE_CHECK_STEP, REVIEW_STEP, REPORT_STEP]
    with background_run(planned(layout, True, "2026-01-02", steps)):
        reached(LINK_STEP)  # an empty night's link step succeeded, having written nothing
        assert not background.under_way(queue) and not background.under_way(figures)
        reached(LINKAGE_WRITTEN)  # a night that linked: both start
        assert background.under_way(queue) and background.under_way(figures)
