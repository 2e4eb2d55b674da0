"""Hand a finished step's freed memory back to the OS, so the one-process nightly job does not carry it.

The job runs every step in one process (orchestration/executor.py). A step's frames are garbage once it
returns, but CPython's allocator, glibc's malloc arenas and Arrow's memory pool keep the pages they held, so
the process's resident size only grows from step to step, and dbt (a subprocess) then runs beside all of it.
Between steps: collect reference cycles, release Arrow's unused pool memory, and trim glibc's heap.
"""

from __future__ import annotations

import gc

import dagster as dg
from dagster._core.definitions.decorators.hook_decorator import event_list_hook

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


@event_list_hook(name="release_memory")
def release_memory_after_step(
    context: dg.HookContext, event_list: list[dg.DagsterEvent]
) -> dg.HookExecutionResult:
    """After every step, succeeded or failed: one hook, so one HOOK_COMPLETED event a step (a success and a
    failure hook stored a HOOK_SKIPPED event besides, 30 a night, each a write to the event log)."""
    release_memory()
    return dg.HookExecutionResult(hook_name="release_memory", is_skipped=False)


# On the nightly job: after every step, however the run was launched (daemon, `customer360 run`, tests).
RELEASE_MEMORY_HOOKS = {release_memory_after_step}
