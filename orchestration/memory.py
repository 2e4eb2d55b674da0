"""Hand a finished step's freed memory back to the OS, so the one-process nightly job does not carry it.

The job runs every step in one process (orchestration/executor.py). A step's frames are garbage once it
returns, but CPython's allocator, glibc's malloc arenas and Arrow's memory pool keep the pages they held, so
the process's resident size only grows from step to step, and dbt (a subprocess) then runs beside all of it.
Between steps: collect reference cycles, release Arrow's unused pool memory, and trim glibc's heap, after a step
that grew the process by 32 MB or more (`after_step`); the standardise memos are emptied after every step.
"""

from __future__ import annotations

import gc
import os

import dagster as dg
from dagster._core.definitions.decorators.hook_decorator import event_list_hook

from assets.background import reached
from linkage.heap import trim_heap


def release_memory() -> None:
    """Free what the previous step left: the standardise memos (linkage/standardise/_unique.py), cycles,
    Arrow's pooled buffers, glibc's free heap pages."""
    from linkage.standardise._unique import forget

    forget()
    gc.collect()
    try:
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        pass
    trim_heap()


# A step that grew the resident set by less than this since the last release leaves too little to hand back to pay
# for a full collection and a heap trim (10-30 ms each once the run holds the dbt and linkage modules): the 150k
# 1% night's ingest and validation steps grow it 1-25 MB each, standardise, link and the report 100 MB-1.3 GB.
RELEASE_AFTER_GROWTH = 32 * 2**20
_resident_after_release: int | None = None


def resident_bytes() -> int | None:
    """This process's resident set size (Linux), None where /proc is not there."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def after_step() -> None:
    """`release_memory` when the step grew the process by RELEASE_AFTER_GROWTH or more since the last release
    (or the size is unknown); the standardise memos are emptied after every step either way."""
    global _resident_after_release
    now = resident_bytes()
    grown = None if now is None or _resident_after_release is None else now - _resident_after_release
    if grown is not None and grown < RELEASE_AFTER_GROWTH:
        from linkage.standardise._unique import forget

        forget()
        return
    release_memory()
    _resident_after_release = resident_bytes()


@event_list_hook(name="release_memory")
def release_memory_after_step(
    context: dg.HookContext, event_list: list[dg.DagsterEvent]
) -> dg.HookExecutionResult:
    """After every step, succeeded or failed: one hook, so one HOOK_COMPLETED event a step (a success and a
    failure hook stored a HOOK_SKIPPED event besides, 30 a night, each a write to the event log). A step that
    succeeded then starts the background work the run planned after it (assets/background.py)."""
    after_step()
    if any(event.is_step_success for event in event_list):
        reached(context.op.name)
    return dg.HookExecutionResult(hook_name="release_memory", is_skipped=False)


# On the nightly job: after every step, however the run was launched (daemon, `customer360 run`, tests).
RELEASE_MEMORY_HOOKS = {release_memory_after_step}
