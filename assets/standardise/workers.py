"""Standardise a night's batches side by side: a process pool of `C360_WORKERS` (opt-in), results in batch order.

Each batch (one source's `BATCH_ROWS` bronze rows, as Arrow) is standardised in a worker process, which hands
back the silver and person rows as Arrow tables (pickled as Arrow buffers, not as Python objects). The parent
writes them in the order the batches were read, so the silver files are the same whatever the number of
workers. At most `workers + 1` batches are in flight, so memory follows the batch size, not the night.

A worker that raises fails the step with its exception; a worker that dies (killed, out of memory) fails it
with `BrokenProcessPool`: never a hang. Workers are spawned, not forked (the Dagster process runs threads), and
each keeps its own memos of the night's phones and names (linkage/standardise/_unique.py), gone with it.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from assets.crash_points import ENV as KILL_AT

WORKERS_ENV = "C360_WORKERS"
MAX_WORKERS = 8  # past this, memory (a batch and the memos per worker) grows faster than the speed-up
# A worker costs ~10 s of CPU to start (imports, romanisation dictionaries) and relearns the night's phones and
# names on its own: it pays for itself with about a minute of work, ~250k source rows.
ROWS_PER_WORKER = 250_000
KILL_WORKER = "standardise-worker"  # C360_TEST_KILL_AT value: a worker SIGKILLs itself on its first batch


def worker_count(env: dict[str, str] | None = None) -> int:
    """`C360_WORKERS` (default 1: standardise in the step's own process), capped at MAX_WORKERS.

    Not the cores by default: each worker holds a 200k-row batch as pandas objects and its own memos, so at 150k
    customers two workers and the job process peak at ~3.5 GB where one process stays at ~1.5 GB, and they
    spend ~30% more CPU in all (each relearns the night's values). Worth it with memory to spare and idle cores."""
    raw = (env if env is not None else os.environ).get(WORKERS_ENV, "").strip()
    if not raw:
        return 1
    try:
        wanted = int(raw)
    except ValueError:
        raise ValueError(
            f"{WORKERS_ENV}={raw!r}: expected a whole number of worker processes (1 = none)"
        ) from None
    if wanted < 1:
        raise ValueError(f"{WORKERS_ENV}={raw!r}: expected at least 1")
    return min(wanted, MAX_WORKERS)


def workers_for(rows: int, configured: int) -> int:
    """Workers worth starting for a night of `rows` source rows: `configured`, fewer for a small night."""
    return max(1, min(configured, rows // ROWS_PER_WORKER))


@dataclass(frozen=True)
class Batch:
    """One source's batch of bronze rows and what standardising it needs (all picklable)."""

    rows: pa.Table
    entity: str
    source: str
    region: str
    formats: tuple[str, ...]
    serial_dates: bool
    values: dict[str, dict[str, str]] | None


def to_arrow(frame) -> pa.Table:
    """A standardised frame as the Arrow table its silver file receives (no pandas metadata)."""
    return pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)


def standardise_batch(batch: Batch) -> tuple[pa.Table, pa.Table]:
    """(silver rows, person records) of one batch."""
    if os.environ.get(KILL_AT) == KILL_WORKER and multiprocessing.parent_process() is not None:
        os.kill(os.getpid(), signal.SIGKILL)
    from assets.entities import ENTITIES
    from assets.standardise.silver import standardise
    from linkage.records import build_person_records

    bronze = batch.rows.to_pandas()
    entity = ENTITIES[batch.entity]
    formats = list(batch.formats)
    silver = standardise(bronze, entity, formats, batch.region, batch.serial_dates, batch.values)
    persons = build_person_records(
        bronze, entity.name, batch.source, region=batch.region, date_formats=formats
    )
    return to_arrow(silver), to_arrow(persons)


def in_order(
    batches: Iterable[Batch], workers: int, work: Callable[[Batch], Any] = standardise_batch
) -> Iterator[tuple[Batch, Any]]:
    """(batch, work(batch)) for every batch, in the batches' order: in this process when `workers` is 1 or the
    night is one batch, else in a pool of that many spawned processes with at most `workers + 1` in flight."""
    batches = iter(batches)
    head = list(itertools.islice(batches, 2))
    if workers <= 1 or len(head) < 2:  # one batch: nothing to share out, no processes to start
        for batch in itertools.chain(head, batches):
            yield batch, work(batch)
        return
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    pending: deque[tuple[Batch, Future]] = deque()
    try:
        for batch in itertools.chain(head, batches):
            pending.append((batch, pool.submit(work, batch)))
            while len(pending) > workers:
                done, future = pending.popleft()
                yield done, future.result()
        while pending:
            done, future = pending.popleft()
            yield done, future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
