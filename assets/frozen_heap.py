"""Long-lived objects out of the garbage collector's way.

A nightly run imports Dagster, dbt, pandas and the definitions: half a million objects that live as long as the
process. Every full collection walks them all (0.2-0.7 s each on this machine), and the job collects after
every step (orchestration/memory.py) and the validator per batch. `gc.freeze()` moves what is alive now to a
permanent generation that collections skip; what is frozen is never collected as a cycle, so only objects
that outlive the block belong there.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def frozen_heap() -> Iterator[None]:
    """Freeze the objects alive now for the block. Nested blocks freeze what is new and leave the thawing to
    the outermost one, so an inner block does not thaw its caller's frozen objects."""
    outermost = gc.get_freeze_count() == 0
    gc.collect()  # garbage is not frozen
    gc.freeze()
    try:
        yield
    finally:
        if outermost:
            gc.unfreeze()
