"""Long-lived objects out of the garbage collector's way.

A nightly run imports Dagster, dbt, pandas and the definitions: half a million objects that live as long as the
process. Every full collection walks them all (0.2-0.7 s each on this machine), and the job collects after
every step (orchestration/memory.py) and the validator per batch. `gc.freeze()` moves what is alive now to a
permanent generation that collections skip; what is frozen is never collected as a cycle, so only objects
that outlive the block belong there.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0  # frozen_heap blocks open in this process


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Freeze the objects alive now for the block. Nested blocks freeze what is new and leave the thawing to
    the outermost one, so an inner block does not thaw its caller's frozen objects. Only a block opened with
    nothing open counts the frozen objects (`gc.get_freeze_count` walks them all: ~50 ms at a run's 534k, and
    the validator opens a block per source); one frozen by someone else is never thawed here."""
    global _depth
    with _lock:
        outermost = _depth == 0 and gc.get_freeze_count() == 0
        _depth += 1
    try:
        # garbage is not frozen. The outermost block collects the young generations only: a full collection
        # walks the whole heap (0.4 s at a run's start), and the old generation's garbage (a few cycles left
        # by imports) is frozen with it and freed when the block thaws. An inner block's full collection walks
        # only what is not frozen yet.
        gc.collect(1 if outermost else 2)
        gc.freeze()
        yield
    finally:
        with _lock:
            _depth -= 1
        if outermost:
            gc.unfreeze()
