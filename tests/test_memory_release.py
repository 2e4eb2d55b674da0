"""The one-process nightly job hands each step's freed memory back to the OS before the next step (#14)."""

from __future__ import annotations

import gc

import dagster as dg
import psutil
import pytest

import orchestration.memory as memory
from orchestration.memory import RELEASE_MEMORY_HOOKS, after_step, release_memory

MB = 2**20


@pytest.fixture(autouse=True)
def fresh_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """No release yet in this process: the first step after this releases whatever it grew."""
    monkeypatch.setattr(memory, "_resident_after_release", None)


def _rss_mb() -> float:
    return psutil.Process().memory_info().rss / MB


def _litter() -> bytes:
    """~300 MB of malloc'd blocks freed again, but for the last one, which pins the heap's top: glibc
    returns none of it by itself."""
    blobs = [bytes(1500) + i.to_bytes(4, "little") for i in range(200_000)]
    return blobs[-1]


def test_release_memory_returns_freed_heap_pages() -> None:
    _litter()  # a fresh process's first growth of the heap is partly kept whatever is freed: grow it once
    release_memory()
    before = _rss_mb()
    pin = _litter()
    assert _rss_mb() - before > 200  # freed, still resident
    release_memory()
    assert _rss_mb() - before < 100
    assert pin


def test_the_next_step_starts_without_the_last_steps_garbage() -> None:
    seen: dict[str, float] = {}
    pins: list[bytes] = []

    @dg.op
    def heavy() -> int:
        seen["before"] = _rss_mb()
        pins.append(_litter())  # what a step leaves: its frames are gone, the pages are not
        seen["after"] = _rss_mb()
        return 1

    @dg.op
    def next_step(x: int) -> int:
        seen["next"] = _rss_mb()
        return x

    @dg.job(hooks=RELEASE_MEMORY_HOOKS)  # as on the nightly job (orchestration/jobs.py)
    def two_steps():
        next_step(heavy())

    with dg.DagsterInstance.ephemeral() as instance:
        assert two_steps.execute_in_process(instance=instance).success
    assert seen["after"] - seen["before"] > 200
    assert seen["next"] - seen["before"] < 100, seen


def test_the_nightly_job_carries_the_hooks() -> None:
    from orchestration.jobs import nightly_job

    assert set(nightly_job.hooks) >= RELEASE_MEMORY_HOOKS


def test_romanised_names_are_not_carried_into_the_next_step() -> None:
    # every name of the night is romanised (standardise, linkage): ~150 MB per 500k names at 150k customers,
    # which dbt's step would otherwise run beside
    from linkage.standardise.chinese import romanise

    assert romanise("张伟") == romanise("张伟") and romanise.cache_info().currsize > 0
    release_memory()
    assert romanise.cache_info().currsize == 0


def test_one_hook_event_per_step_succeeded_or_failed(monkeypatch) -> None:
    """Memory is released after a failed step too, by one hook: each step stores one hook event, not a
    HOOK_COMPLETED and a HOOK_SKIPPED (30 writes to the event log a night)."""
    released: list[int] = []
    monkeypatch.setattr(memory, "after_step", lambda: released.append(1))

    @dg.op
    def fine() -> int:
        return 1

    @dg.op
    def broken(x: int) -> int:
        raise ValueError("a step that fails")

    @dg.job(hooks=RELEASE_MEMORY_HOOKS)
    def two_steps():
        broken(fine())

    with dg.DagsterInstance.ephemeral() as instance:
        result = two_steps.execute_in_process(instance=instance, raise_on_error=False)
    assert not result.success
    hooks = [e.event_type for e in result.all_events if e.event_type_value.startswith("HOOK_")]
    assert hooks == [dg.DagsterEventType.HOOK_COMPLETED] * 2
    assert released == [1, 1]


def test_a_step_that_grew_the_process_little_skips_the_full_collection_but_still_empties_the_memos() -> None:
    """A night's ingest and validation steps grow the process by a few MB each: a full collection and a heap trim
    after each (10-30 ms) would hand back next to nothing."""
    from linkage.standardise.chinese import romanise

    started: list[int] = []

    def seen(phase: str, info: dict) -> None:
        if phase == "start":
            started.append(info["generation"])

    after_step()  # a release: what the next step grows is measured from here
    romanise("欧阳浩然")
    gc.callbacks.append(seen)
    try:
        after_step()
    finally:
        gc.callbacks.remove(seen)
    assert 2 not in started  # no full collection
    assert romanise.cache_info().currsize == 0

    grown = [bytes(1500) + i.to_bytes(4, "little") for i in range(40_000)]  # ~60 MB
    gc.callbacks.append(seen)
    try:
        after_step()
    finally:
        gc.callbacks.remove(seen)
    assert 2 in started and grown
