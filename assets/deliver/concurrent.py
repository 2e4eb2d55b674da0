"""Stage a delivery's marts on two threads: the marts DuckDB writes itself (its COPY holds no GIL) on one, the
marts masked in Arrow and Python on the other, so on two cores one is written while the other is masked and the
two threads do not queue for the GIL. Once the masking thread has no mart left it takes the next of DuckDB's
(the largest first), so the longest lane does not finish alone while a core idles. Each mart is still one file
written by one thread; what comes back is in the order asked for (the manifest's order)."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

T = TypeVar("T")


def run_in_lanes(
    jobs: Sequence[Callable[[], T]],
    lanes: Sequence[Hashable],
    shared: Hashable | None = None,
    cost: Sequence[float] | None = None,
) -> list[T]:
    """Every job on the thread of its lane, each lane's jobs in the order given (the costliest first when `cost`
    is given); results in the order of `jobs`. A thread whose lane has no job left takes the next job of the lane
    `shared` (jobs fit to run beside any other: DuckDB's COPY), if any is left.
    After a failure no thread starts another job, and the running ones finish before the error of the first
    failed job (in `jobs` order) is raised, so nothing writes after the caller cleans up."""
    results: dict[int, T] = {}
    errors: dict[int, BaseException] = {}
    failed = threading.Event()
    taking = threading.Lock()  # one thread at a time takes a job off a lane

    by_lane: dict[Hashable, deque[int]] = {}
    order = sorted(range(len(jobs)), key=lambda i: -cost[i]) if cost is not None else range(len(jobs))
    for i in order:
        by_lane.setdefault(lanes[i], deque()).append(i)

    def next_job(lane: Hashable) -> int | None:
        with taking:
            for queue in (by_lane[lane], by_lane.get(shared) if lane != shared else None):
                if queue:
                    return queue.popleft()
        return None

    def run(lane: Hashable) -> None:
        while not failed.is_set() and (i := next_job(lane)) is not None:
            try:
                results[i] = jobs[i]()
            except BaseException as error:  # re-raised in the caller's thread
                errors[i] = error
                failed.set()
                return

    threads = [
        threading.Thread(target=run, args=(lane,), name=f"deliver-{n}") for n, lane in enumerate(by_lane)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[min(errors)]
    return [results[i] for i in range(len(jobs))]
