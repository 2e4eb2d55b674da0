"""Ingest + validation + standardise of one night, timed per step (#14):

    uv run python bench/standardise.py job     --data D --landing L   # ingest → validate → standardise (Dagster)
    uv run python bench/standardise.py again   --data D               # standardise alone on D's bronze
    uv run python bench/standardise.py profile --data D               # the same under cProfile (one process)
    uv run python bench/standardise.py digest  --data D               # a digest per silver table, rows sorted

Per step: wall, CPU (this process and its workers) and peak RSS (this process plus its live workers, sampled
every 50 ms), with the load average beside. `digest` compares outputs before and after a change.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import argparse
import hashlib
import json
import os
import threading
import time

import psutil

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")


class Meter:
    """Wall, CPU (self + children, live or reaped) and peak RSS (self + live children) between marks."""

    def __init__(self) -> None:
        self.proc = psutil.Process()
        self.peak = 0.0
        self._stop = threading.Event()
        self._live_cpu: dict[int, float] = {}
        self._reset()
        threading.Thread(target=self._run, daemon=True).start()

    def _rss(self) -> float:
        total = self.proc.memory_info().rss
        for child in self.proc.children(recursive=True):
            try:
                total += child.memory_info().rss
                t = child.cpu_times()
                self._live_cpu[child.pid] = t.user + t.system
            except psutil.NoSuchProcess:
                pass
        return total / 2**20

    def _cpu(self) -> float:
        t = self.proc.cpu_times()
        return t.user + t.system + t.children_user + t.children_system

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, self._rss())

    def _reset(self) -> None:
        self.wall, self.cpu, self.peak = time.perf_counter(), self._cpu(), self._rss()
        self._live_cpu = {}

    def mark(self, name: str, **extra) -> None:
        # Workers still alive at the mark have not been reaped into children_*: count what they used.
        live = sum(self._live_cpu.get(c.pid, 0.0) for c in self.proc.children(recursive=True))
        row = {
            "step": name,
            "wall_s": round(time.perf_counter() - self.wall, 1),
            "cpu_s": round(self._cpu() + live - self.cpu, 1),
            "peak_rss_mb": round(max(self.peak, self._rss())),
            "load_avg": [round(x, 2) for x in os.getloadavg()],
            **extra,
        }
        print(json.dumps(row), flush=True)
        self._reset()


def run_job(meter: Meter, partition: str) -> None:
    """The nightly job's steps up to silver, in this process, a mark at each step's end."""
    import dagster as dg
    from dagster._core.execution.plan import execute_plan

    from orchestration.definitions import defs
    from orchestration.jobs import NIGHTLY_JOB

    original = execute_plan.core_dagster_event_sequence_for_step

    def marked(step_context):
        meter._reset()
        yield from original(step_context)
        meter.mark(step_context.step.key)

    execute_plan.core_dagster_event_sequence_for_step = marked
    job = defs.resolve_job_def(NIGHTLY_JOB)
    silver = dg.AssetSelection.groups("standardise")
    keys = silver.upstream().required_multi_asset_neighbors().resolve(defs.resolve_asset_graph())
    with dg.DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(
            instance=instance, partition_key=partition, asset_selection=list(keys), raise_on_error=False
        )
    print(json.dumps({"success": result.success}))


def _standardise(partition: str):
    from assets.ingest.config import load_sources_config
    from assets.settings import settings_from_env
    from assets.standardise.partition import standardise_partition

    layout = settings_from_env().layout()
    sources = load_sources_config(layout.config_dir / "sources.yaml").sources
    return standardise_partition(layout, sources, partition)


def digest(data: Path) -> dict[str, str]:
    """sha256 of each silver table, its rows sorted by every column (row order within a table is free)."""
    import pyarrow.parquet as pq

    out = {}
    for path in sorted((data / "silver").glob("*/run_date=*/*.parquet")):
        table = pq.read_table(path)
        frame = table.to_pandas()
        text = frame.astype(str).sort_values(list(frame.columns)).to_csv(index=False)
        out[str(path.relative_to(data))] = hashlib.sha256((str(table.schema) + text).encode()).hexdigest()[
            :16
        ]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["job", "again", "profile", "digest"])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--landing", type=Path)
    parser.add_argument("--partition", default="2026-01-01")
    args = parser.parse_args()
    os.environ["C360_DATA_DIR"] = str(args.data)
    if args.landing:
        os.environ["C360_LANDING"] = str(args.landing)
    if args.what == "digest":
        print(json.dumps(digest(args.data), indent=1))
        return
    meter = Meter()
    if args.what == "job":
        run_job(meter, args.partition)
    elif args.what == "again":
        result = _standardise(args.partition)
        meter.mark("standardise", persons=result.persons, rows=result.rows_by_source)
    else:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(_standardise, args.partition)
        meter.mark("standardise (cProfile)")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(60)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(40)


if __name__ == "__main__":
    main()
