"""Run an iterator one step ahead on a background thread, so producing the next item overlaps using this one.

Parsing CSV, decompressing and decoding Parquet happen in Arrow's C++ code, which releases the GIL: on a
multi-core machine the reader works on batch k+1 while the caller validates or writes batch k.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")
_DONE = object()
_POLL = 0.05  # seconds between looks at the stop flag while waiting


def prefetch(items: Iterator[T]) -> Iterator[T]:
    """Yield what `items` yields, computed on a worker thread exactly one item ahead: the worker starts on
    item k+1 only once the caller has taken item k, so at most two items are alive (bounded memory).

    An exception in `items` is re-raised here, in order; closing this generator early (an exception in the
    caller) stops the worker and closes `items` on the worker's thread.
    """
    ready: queue.Queue = queue.Queue(maxsize=1)
    taken = threading.Semaphore(1)  # released when the caller takes an item: the worker may start the next
    stop = threading.Event()

    def wait_for_turn() -> bool:
        while not stop.is_set():
            if taken.acquire(timeout=_POLL):
                return True
        return False

    def work() -> None:
        try:
            while wait_for_turn():
                try:
                    item = next(items)
                except StopIteration:
                    ready.put((_DONE, None))
                    return
                ready.put((item, None))
        except BaseException as exc:  # handed to the consumer, raised there
            ready.put((_DONE, exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=work, name="prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item, error = ready.get()
            taken.release()
            if error is not None:
                raise error
            if item is _DONE:
                return
            yield item
    finally:
        stop.set()
        worker.join()
