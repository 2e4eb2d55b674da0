"""The run freezes what it keeps for its whole length, so the collection after each step is cheap, and thaws it
at the end; garbage made by a step is still collected."""

from __future__ import annotations

import gc
import weakref

import dagster as dg

import orchestration.memory as memory
from assets.frozen_heap import frozen_heap
from orchestration.executor import guarded_in_process_executor
from orchestration.memory import RELEASE_MEMORY_HOOKS


class _Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the collector frees it
        self.payload = b""


def test_an_inner_block_does_not_thaw_the_outer_one() -> None:
    assert gc.get_freeze_count() == 0
    with frozen_heap():
        outer = gc.get_freeze_count()
        assert outer > 0
        with frozen_heap():
            pass
        assert gc.get_freeze_count() >= outer
    assert gc.get_freeze_count() == 0


def test_garbage_is_collected_before_freezing() -> None:
    node = _Node()
    gone = weakref.ref(node)
    del node
    with frozen_heap():
        assert gone() is None


_seen: dict[str, object] = {}


@dg.op
def _litter() -> int:
    _seen["frozen"] = gc.get_freeze_count()
    node = _Node()
    node.payload = bytearray(64 * 2**20)  # a step that grew the process (orchestration/memory.after_step)
    _seen["node"] = weakref.ref(node)
    return 1


@dg.op
def _after(x: int) -> int:
    _seen["collected"] = _seen["node"]() is None  # the hook after `_litter` collected its cycle
    return x


@dg.job(executor_def=guarded_in_process_executor, hooks=RELEASE_MEMORY_HOOKS)  # as the nightly job
def two_steps():
    _after(_litter())


def test_a_daemon_launched_run_freezes_what_it_keeps(tmp_path, monkeypatch) -> None:
    """Through the job's executor, as a run launched from the UI or the schedule."""
    monkeypatch.setenv("C360_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(memory, "_resident_after_release", None)  # a fresh process, as a run worker's
    _seen.clear()
    with dg.DagsterInstance.ephemeral() as instance:
        assert dg.execute_job(dg.reconstructable(two_steps), instance=instance).success
    assert _seen["frozen"] > 10_000  # the imported libraries and definitions
    assert _seen["collected"] is True
    assert gc.get_freeze_count() == 0


def test_an_inner_block_does_not_count_the_frozen_objects(monkeypatch) -> None:
    """`gc.get_freeze_count` walks every frozen object (~50 ms at a nightly run's half million), and the
    validator opens a block per source inside the run's: only the outermost block may count them."""
    with frozen_heap():
        counted = []
        real = gc.get_freeze_count
        monkeypatch.setattr(gc, "get_freeze_count", lambda: counted.append(1) or real())
        with frozen_heap(), frozen_heap():
            pass
        monkeypatch.undo()
        assert counted == []
        assert gc.get_freeze_count() > 0  # still frozen: the inner blocks left the thawing to this one
    assert gc.get_freeze_count() == 0


def test_the_outermost_block_does_not_walk_the_old_generation() -> None:
    """A full collection at a run's start walks the whole heap (0.4 s with the definitions imported): old
    garbage is frozen with the rest and freed once the block thaws."""
    node = _Node()
    gone = weakref.ref(node)
    gc.collect()  # survived a full collection: in the oldest generation
    del node
    with frozen_heap():
        assert gone() is not None
    gc.collect()
    assert gone() is None
