"""Parquet files of the data zones: written atomically, read through one door.

`open_parquet` / `read_parquet` are the only readers of raw, bronze, quarantine and silver files, so a
zone-wide concern (encryption at rest) lives here and nowhere else.
"""

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq


def write_parquet_atomic(frame: pd.DataFrame, path: Path) -> Path:
    """Write under a temporary name beside `path`, then rename over it (atomic on one filesystem)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".parquet.tmp")
    frame.to_parquet(tmp, index=False)
    tmp.replace(path)
    return path


def open_parquet(path: Path) -> pq.ParquetFile:
    """A zone file for streaming reads (`iter_batches`, footer metadata) without loading it whole."""
    return pq.ParquetFile(path)


def read_parquet(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """A whole zone file as a DataFrame."""
    return open_parquet(path).read(columns=columns).to_pandas()
