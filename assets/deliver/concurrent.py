"""Stage a delivery's marts on two threads: the marts DuckDB writes itself (its COPY holds no GIL) on one, the
marts masked in Arrow and Python on the other, so on two cores one is written while the other is masked and the
two threads do not queue for the GIL. Each mart is still one file written by one thread, in table order; what
comes back is in the order asked for (the manifest's order)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

T = TypeVar("T")


def run_in_lanes(jobs: Sequence[Callable[[], T]], lanes: Sequence[Hashable]) -> list[T]:
    """Every job on the thread of its lane, each lane's jobs in the order given; results in the order of `jobs`.
    After a failure no lane starts another job, and the running ones finish before the error of the first failed
    job (in `jobs` order) is raised, so nothing writes after the caller cleans up."""
    results: dict[int, T] = {}
    errors: dict[int, BaseException] = {}
    failed = threading.Event()

    def run(indices: list[int]) -> None:
        for i in indices:
            if failed.is_set():
                return
            try:
                results[i] = jobs[i]()
            except BaseException as error:  # re-raised in the caller's thread
                errors[i] = error
                failed.set()
                return

    by_lane: dict[Hashable, list[int]] = {}
    for i, lane in enumerate(lanes):
        by_lane.setdefault(lane, []).append(i)
    threads = [
        threading.Thread(target=run, args=(ids,), name=f"deliver-{n}")
        for n, ids in enumerate(by_lane.values())
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[min(errors)]
    return [results[i] for i in range(len(jobs))]
