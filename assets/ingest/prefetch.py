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


def prefetch(items: Iterator[T], depth: int = 1) -> Iterator[T]:
    """Yield what `items` yields, computed on a worker thread at most `depth` items ahead (bounded memory).

    An exception in `items` is re-raised here, in order; closing this generator early (an exception in the
    caller) stops the worker and closes `items` on the worker's thread.
    """
    ready: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(item: object) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in items:
                if not offer((item, None)):
                    break
            else:
                offer((_DONE, None))
        except BaseException as exc:  # handed to the consumer, raised there
            offer((_DONE, exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=work, name="prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item, error = ready.get()
            if error is not None:
                raise error
            if item is _DONE:
                return
            yield item
    finally:
        stop.set()
        worker.join()
