"""Join small Arrow batches into larger tables (zero-copy) before validating or writing them.

Parquet encodes one row group per write: a few large row groups cost markedly less CPU than many small ones,
and so does validating a few large batches. Bounded by rows and by bytes, so wide rows keep memory bounded.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pyarrow as pa

MAX_ROWS = 128_000
MAX_BYTES = 32 << 20


def coalesced(batches: Iterable[pa.Table | pa.RecordBatch]) -> Iterator[pa.Table]:
    """Consecutive batches joined until a table reaches MAX_ROWS rows or MAX_BYTES bytes."""
    pending: list[pa.Table] = []
    rows = size = 0
    for batch in batches:
        pending.append(batch if isinstance(batch, pa.Table) else pa.Table.from_batches([batch]))
        rows, size = rows + batch.num_rows, size + batch.nbytes
        if rows >= MAX_ROWS or size >= MAX_BYTES:
            yield pa.concat_tables(pending)
            pending, rows, size = [], 0, 0
    if pending:
        yield pa.concat_tables(pending)
