"""Parquet output for raw/bronze/quarantine: written beside the target, renamed into place when complete,
and encoded on a background thread so parsing/validating the next batch overlaps with compressing this one.
With C360_ENCRYPTION_KEY set, the background thread is a DuckDB `COPY … (ENCRYPTION_CONFIG …)` fed the
batches as a stream (the zone format of `assets/parquet_files.py`), still one batch in flight.
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from assets.parquet_files import encrypted_copy_sql, encrypts
from assets.privacy.encryption import zone_connection
from assets.temp_area import temp_name

_END = object()


class _PlainWriter:
    """pyarrow's writer on a one-thread pool: at most one batch being encoded."""

    def __init__(self, tmp: Path, schema: pa.Schema):
        self.writer = pq.ParquetWriter(tmp, schema, compression="zstd")
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parquet-out")
        self.pending: Future | None = None

    def write(self, data: pa.Table | pa.RecordBatch) -> None:
        if self.pending is not None:
            self.pending.result()  # re-raises a write error
        write = self.writer.write_table if isinstance(data, pa.Table) else self.writer.write_batch
        self.pending = self.pool.submit(write, data)

    def close(self, failed: bool) -> None:
        try:
            if self.pending is not None:
                self.pending.result()
        finally:
            self.pool.shutdown(wait=True)
            self.writer.close()


class _EncryptedWriter:
    """DuckDB encodes and encrypts on its own thread, pulling batches from a one-slot queue."""

    def __init__(self, tmp: Path, schema: pa.Schema):
        self.batches: queue.Queue = queue.Queue(maxsize=1)
        self.error: BaseException | None = None
        self.schema = schema
        stream = pa.RecordBatchReader.from_batches(schema, self._stream())
        self.thread = threading.Thread(target=self._copy, args=(stream, tmp), name="parquet-out", daemon=True)
        self.thread.start()

    def _stream(self):
        while (item := self.batches.get()) is not _END:
            if isinstance(item, BaseException):
                raise item  # abandon the COPY
            yield from item.to_batches() if isinstance(item, pa.Table) else [item]

    def _copy(self, stream: pa.RecordBatchReader, tmp: Path) -> None:
        try:
            with zone_connection() as con:  # one DuckDB thread: the stream is not buffered
                con.register("_c360_stream", stream)
                con.execute(encrypted_copy_sql("_c360_stream", tmp, self.schema))
        except BaseException as exc:  # reported to the writing thread
            self.error = exc

    def _put(self, item: object) -> None:
        while self.thread.is_alive():
            try:
                self.batches.put(item, timeout=0.2)
                return
            except queue.Full:
                continue
        self._raise()

    def _raise(self) -> None:
        if self.error is not None:
            raise self.error

    def write(self, data: pa.Table | pa.RecordBatch) -> None:
        self._raise()
        if not data.schema.equals(self.schema):  # as pyarrow's writer refuses it
            raise ValueError(f"batch schema {data.schema} does not match the file's schema {self.schema}")
        self._put(data)

    def close(self, failed: bool) -> None:
        self._put(RuntimeError("write abandoned") if failed else _END)
        self.thread.join()
        if not failed:
            self._raise()


class ParquetOut:
    """`with ParquetOut(path, schema) as out: out.write(table)`; at most one batch in flight (bounded memory).

    On success the file appears atomically at `path`; on error the partial file is removed. `discard_if_empty`
    removes `path` instead of publishing a file with no rows.
    """

    def __init__(self, path: Path, schema: pa.Schema, discard_if_empty: bool = False):
        self.path = Path(path)
        self.tmp = temp_name(self.path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        writer = _EncryptedWriter if encrypts() else _PlainWriter
        self.writer = writer(self.tmp, schema)
        self.rows = 0
        self.discard_if_empty = discard_if_empty

    def write(self, data: pa.Table | pa.RecordBatch) -> None:
        self.rows += data.num_rows
        self.writer.write(data)

    def __enter__(self) -> ParquetOut:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.writer.close(failed=exc_type is not None)
        if exc_type is not None or (self.discard_if_empty and self.rows == 0):
            self.tmp.unlink(missing_ok=True)
            if exc_type is None:
                self.path.unlink(missing_ok=True)
            return
        self.tmp.replace(self.path)
