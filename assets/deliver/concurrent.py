"""Stage a delivery's marts two at a time: DuckDB's COPY and pyarrow's Parquet writer release the GIL, so on
two cores one mart is written while another is read or masked. Each mart is still one file written by one
thread, in table order; what comes back is in the order asked for (the manifest's order)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from typing import TypeVar

T = TypeVar("T")
THREADS = 2


def run_largest_first(
    jobs: Sequence[Callable[[], T]], sizes: Sequence[int], threads: int = THREADS
) -> list[T]:
    """Every job on `threads` threads, the largest `sizes` first (the longest ones do not start last), results
    in the order of `jobs`. On a failure the jobs not started are dropped and the running ones finish before
    the error of the first failed job (in `jobs` order) is raised, so nothing writes after the caller cleans up."""
    order = sorted(range(len(jobs)), key=lambda i: -sizes[i])
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="deliver") as pool:
        futures: dict[int, Future[T]] = {i: pool.submit(jobs[i]) for i in order}
        wait(futures.values(), return_when=FIRST_EXCEPTION)
        for future in futures.values():
            future.cancel()  # only those not started; the pool's exit waits for the running ones
    for i in range(len(jobs)):
        if not futures[i].cancelled() and futures[i].exception() is not None:
            raise futures[i].exception()
    return [futures[i].result() for i in range(len(jobs))]
