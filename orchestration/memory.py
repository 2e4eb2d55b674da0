"""Hand a finished step's freed memory back to the OS, so the one-process nightly job does not carry it.

The job runs every step in one process (orchestration/executor.py). A step's frames are garbage once it
returns, but CPython's allocator, glibc's malloc arenas and Arrow's memory pool keep the pages they held, so
the process's resident size only grows from step to step, and dbt (a subprocess) then runs beside all of it.
Between steps: collect reference cycles, release Arrow's unused pool memory, and trim glibc's heap.
"""

from __future__ import annotations

import gc

import dagster as dg

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


@dg.success_hook(name="release_memory_on_success")
def release_memory_on_success(context: dg.HookContext) -> None:
    release_memory()


@dg.failure_hook(name="release_memory_on_failure")
def release_memory_on_failure(context: dg.HookContext) -> None:
    release_memory()


# On the nightly job: after every step, however the run was launched (daemon, `customer360 run`, tests).
RELEASE_MEMORY_HOOKS = {release_memory_on_success, release_memory_on_failure}
