"""One writer of the data directory at a time, and no run left waiting behind a dead one.

Two kernel locks (`fcntl.flock`), both released by the kernel when their process dies, so a SIGKILLed run can
never keep them:

- the writer lock `<data>/.customer360-writer.lock`, held around a whole run: `customer360 run` (in-process)
  takes it in `run_nightly`, runs launched by the daemon (UI, schedule, sensor) take it in `guarded_executor`.
  A second run waits for it with one line naming the holder. The file keeps `run <id> pid <pid>` of the holder.
- a liveness lock `<data>/.runs/<run_id>.alive` per run, taken before waiting for the writer lock. A run whose
  status is still STARTED but whose liveness lock can be taken has no process any more: `reap_dead_runs` marks
  it failed and frees its concurrency slots (the `duckdb_warehouse` pool and the run queue's tag limit), so the
  next run does not hang. It is called by `customer360 run` and by the `dead_run_sensor`.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

WRITER_LOCK = ".customer360-writer.lock"
RUNS_DIR = ".runs"
NO_MARKER_GRACE_S = 120  # a STARTED run takes its liveness lock within seconds; none after this: dead


def _lock_fd(path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)


def holder(root: Path) -> str:
    """`run <id> pid <pid>` of the last writer (the current one while the lock is held)."""
    try:
        return (root / WRITER_LOCK).read_text().strip() or "unknown run"
    except OSError:
        return "unknown run"


@contextlib.contextmanager
def writer_lock(root: Path, run_id: str, say: Callable[[str], None]) -> Iterator[None]:
    """Hold the data directory's writer lock for the block; waits (after one line through `say`) if held."""
    fd = _lock_fd(root / WRITER_LOCK)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            say(f"another customer360 run ({holder(root)}) is writing {root}; waiting for it to finish")
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"run {run_id} pid {os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing the only descriptor releases the lock


def _marker(root: Path, run_id: str) -> Path:
    return root / RUNS_DIR / f"{run_id}.alive"


@contextlib.contextmanager
def alive(root: Path, run_id: str) -> Iterator[None]:
    """Hold this run's liveness lock for the block (the kernel drops it if the process dies)."""
    path = _marker(root, run_id)
    fd = _lock_fd(path)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        path.unlink(missing_ok=True)
        os.close(fd)


def _process_gone(root: Path, run_id: str, started: float | None) -> bool:
    path = _marker(root, run_id)
    if not path.exists():
        return started is not None and time.time() - started > NO_MARKER_GRACE_S
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False  # its process holds it: alive
    finally:
        os.close(fd)
    path.unlink(missing_ok=True)
    return True


def reap_dead_runs(instance, root: Path, exclude: str | None = None) -> list[str]:
    """Mark STARTED/CANCELING runs whose process died as failed and free their concurrency slots.

    Returns one line per run reaped. Slots left by runs that already ended are freed too.
    """
    import dagster as dg

    lines = []
    active = [dg.DagsterRunStatus.STARTED, dg.DagsterRunStatus.CANCELING]
    for record in instance.get_run_records(filters=dg.RunsFilter(statuses=active)):
        run = record.dagster_run
        if run.run_id == exclude or not _process_gone(root, run.run_id, record.start_time):
            continue
        message = f"run {run.run_id} ({run.job_name}) has no live process; marked failed and its slots freed"
        instance.report_run_failed(run, message)
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        lines.append(message)
    return lines


def wait_for_warehouse(warehouse: Path, say: Callable[[str], None]) -> None:
    """A dbt subprocess of a killed run outlives it and may still write the warehouse: wait until it exits.
    DuckDB holds a POSIX lock on the whole file while it is open; probe it the same way."""
    if not warehouse.exists():
        return
    fd = os.open(warehouse, os.O_RDWR)
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            say(
                f"{warehouse} is still open in a process left by a dead run (its dbt?); waiting for it to exit"
            )
            fcntl.lockf(fd, fcntl.LOCK_EX)
    finally:
        os.close(fd)  # releases the probe


@contextlib.contextmanager
def guarded_run(
    instance, root: Path, warehouse: Path, run_id: str, say: Callable[[str], None]
) -> Iterator[None]:
    """The whole guard of one run: liveness lock, writer lock (waiting if needed), then dead runs reaped, their
    leftover warehouse writer awaited and the temporary files of killed runs swept (they may hold personal data)."""
    from assets.temp_area import sweep_temp

    with alive(root, run_id), writer_lock(root, run_id, say):
        for line in reap_dead_runs(instance, root, exclude=run_id):
            say(line)
        wait_for_warehouse(warehouse, say)
        sweep_temp(root)
        yield
