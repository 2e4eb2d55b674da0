"""Parquet output for raw/bronze/quarantine: written beside the target, renamed into place when complete,
and encoded on a background thread so parsing/validating the next batch overlaps with compressing this one.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


class ParquetOut:
    """`with ParquetOut(path, schema) as out: out.write(table)`; at most one batch in flight (bounded memory).

    On success the file appears atomically at `path`; on error the partial file is removed. `discard_if_empty`
    removes `path` instead of publishing a file with no rows.
    """

    def __init__(self, path: Path, schema: pa.Schema, discard_if_empty: bool = False):
        self.path = Path(path)
        self.tmp = self.path.with_name(self.path.name + ".tmp")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.writer = pq.ParquetWriter(self.tmp, schema, compression="zstd")
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parquet-out")
        self.pending: Future | None = None
        self.rows = 0
        self.discard_if_empty = discard_if_empty

    def write(self, data: pa.Table | pa.RecordBatch) -> None:
        if self.pending is not None:
            self.pending.result()  # re-raises a write error
        self.rows += data.num_rows
        write = self.writer.write_table if isinstance(data, pa.Table) else self.writer.write_batch
        self.pending = self.pool.submit(write, data)

    def __enter__(self) -> ParquetOut:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if self.pending is not None:
                self.pending.result()
        finally:
            self.pool.shutdown(wait=True)
            self.writer.close()
        if exc_type is not None or (self.discard_if_empty and self.rows == 0):
            self.tmp.unlink(missing_ok=True)
            if exc_type is None:
                self.path.unlink(missing_ok=True)
            return
        self.tmp.replace(self.path)
