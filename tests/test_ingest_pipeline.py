"""The ingest/validate pipeline helpers: one-ahead prefetch on a worker thread, coalescing of Arrow batches."""

from __future__ import annotations

import threading
import time

import pyarrow as pa
import pytest

from assets.ingest import batching
from assets.ingest.prefetch import prefetch


def test_prefetch_keeps_order_and_runs_one_item_ahead_on_another_thread():
    made: list[int] = []
    threads: set[str] = set()

    def items():
        for i in range(5):
            threads.add(threading.current_thread().name)
            made.append(i)
            yield i

    seen = []
    for item in prefetch(items()):
        time.sleep(0.02)  # the worker has time to run ahead — but only by one item
        assert len(made) <= item + 2
        seen.append(item)
    assert seen == [0, 1, 2, 3, 4]
    assert threads == {"prefetch"}


def test_prefetch_reraises_the_producers_error_after_the_good_items():
    def items():
        yield 1
        raise ValueError("truncated gzip")

    got = []
    with pytest.raises(ValueError, match="truncated gzip"):
        for item in prefetch(items()):
            got.append(item)
    assert got == [1]


def test_closing_early_stops_the_worker_and_closes_the_source():
    closed = threading.Event()

    def items():
        try:
            yield from range(1000)
        finally:
            closed.set()

    with pytest.raises(RuntimeError):
        for item in prefetch(items()):
            if item == 2:
                raise RuntimeError("schema drift")
    assert closed.is_set()
    assert not any(t.name == "prefetch" for t in threading.enumerate())


def test_coalesced_joins_batches_up_to_the_row_and_byte_bounds(monkeypatch):
    monkeypatch.setattr(batching, "MAX_ROWS", 25)
    batches = [pa.record_batch({"v": pa.array([str(i)] * 10)}) for i in range(7)]
    tables = list(batching.coalesced(batches))
    assert [t.num_rows for t in tables] == [30, 30, 10]
    assert pa.concat_tables(tables).column("v").to_pylist() == [str(i) for i in range(7) for _ in range(10)]
    monkeypatch.setattr(batching, "MAX_BYTES", 1)  # every batch is over the byte bound on its own
    assert [t.num_rows for t in batching.coalesced(batches)] == [10] * 7
