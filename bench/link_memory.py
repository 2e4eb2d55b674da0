"""Where the nightly job process's memory goes, step by step and inside the link asset (#14):

    uv run python bench/link_memory.py job  --data D --landing L   # ingest → standardise → link in one process
    uv run python bench/link_memory.py link --data D               # the link asset alone (silver/person of D)

Prints the process's resident memory (psutil) at each step's start and end and its peak in between, and inside
link the same around reading the person records, each engine lap (prepare/encode/blocking, compare, scoring,
clustering, identity) and writing the outputs. `--tracemalloc` adds the Python heap's peak per phase (slow).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import functools
import json
import os
import resource
import threading
import time
import tracemalloc

import psutil

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")


class Memory:
    """RSS sampled every 50 ms; `mark(name)` prints RSS now and the peak since the previous mark."""

    def __init__(self, use_tracemalloc: bool = False) -> None:
        self.proc = psutil.Process()
        self.peak = self.rss()
        self.started = time.perf_counter()
        self.rows: list[dict] = []
        self.tracing = use_tracemalloc
        if use_tracemalloc:
            tracemalloc.start()
        self._stop = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def rss(self) -> float:
        return self.proc.memory_info().rss / 2**20

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, self.rss())

    def mark(self, name: str) -> None:
        now = self.rss()
        row = {"at_s": round(time.perf_counter() - self.started, 1), "mark": name, "rss_mb": round(now),
               "peak_since_last_mb": round(max(self.peak, now))}  # fmt: skip
        if self.tracing:
            current, peak = tracemalloc.get_traced_memory()
            row |= {"py_heap_mb": round(current / 2**20), "py_heap_peak_mb": round(peak / 2**20)}
            tracemalloc.reset_peak()
        self.peak = now
        self.rows.append(row)
        print(json.dumps(row), flush=True)


def instrument(memory: Memory) -> None:
    """RSS marks around the link asset's phases: the engine's laps and the I/O of assets/link/defs.py."""
    import assets.link.defs as defs
    import linkage.engine as engine
    import linkage.incremental as incremental

    def wrap(module, name: str) -> None:
        fn = getattr(module, name)

        @functools.wraps(fn)
        def traced(*args, **kwargs):
            memory.mark(f"before {name}")
            out = fn(*args, **kwargs)
            memory.mark(f"after {name}")
            return out

        setattr(module, name, traced)

    for name in ("read_person_glob", "write_linkage_outputs", "write_state", "read_previous", "read_state",
                 "steward_decisions", "link", "link_incremental"):  # fmt: skip
        if hasattr(defs, name):
            wrap(defs, name)
    original = engine.stopwatch

    def stopwatch(timings):
        lap = original(timings)

        def marked(name: str) -> None:
            lap(name)
            memory.mark(f"lap {name}")

        return marked

    engine.stopwatch = stopwatch
    incremental.stopwatch = stopwatch  # it imported the name from engine


def run_job(memory: Memory, partition: str) -> None:
    """The nightly job's steps up to link (no dbt, delivery, report), in this process."""
    import dagster as dg

    from assets.link.defs import KEYS
    from orchestration.definitions import defs
    from orchestration.jobs import NIGHTLY_JOB

    job = defs.resolve_job_def(NIGHTLY_JOB)
    selection = dg.AssetSelection.assets(*KEYS.values()).upstream().required_multi_asset_neighbors()
    keys = selection.resolve(defs.resolve_asset_graph())
    with dg.DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(
            instance=instance, partition_key=partition, asset_selection=list(keys), raise_on_error=False
        )
    memory.mark(f"job done (success: {result.success})")


def run_link(memory: Memory) -> None:
    import datetime as dt

    from assets.link.defs import link_night
    from assets.settings import settings_from_env
    from linkage.config import load_linkage_config

    layout = settings_from_env().layout()
    memory.mark("start")
    result, mode, _ = link_night(layout, load_linkage_config(), dt.datetime.now(dt.UTC).isoformat(),
                                 full_refresh=True)  # fmt: skip
    memory.mark(f"link_night done ({mode})")
    del result
    from orchestration.memory import release_memory

    release_memory()  # what the job's hook does after the step (orchestration/memory.py)
    memory.mark("after release_memory")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["job", "link"])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--landing", type=Path)
    parser.add_argument("--partition", default="2026-01-01")
    parser.add_argument("--tracemalloc", action="store_true")
    args = parser.parse_args()
    os.environ["C360_DATA_DIR"] = str(args.data)
    if args.landing:
        os.environ["C360_LANDING"] = str(args.landing)
    memory = Memory(args.tracemalloc)
    instrument(memory)
    if args.what == "job":
        step_marks(memory)
        run_job(memory, args.partition)
    else:
        run_link(memory)
    print(json.dumps({"max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))


def step_marks(memory: Memory) -> None:
    """A mark at every step start and end (the executor's events, through Dagster's step hooks)."""
    from dagster._core.execution.plan import execute_plan

    original = execute_plan.core_dagster_event_sequence_for_step

    def marked(step_context):
        memory.mark(f"step start {step_context.step.key}")
        yield from original(step_context)
        memory.mark(f"step end {step_context.step.key}")

    execute_plan.core_dagster_event_sequence_for_step = marked


if __name__ == "__main__":
    main()
