"""ParquetOut: a reader never sees half a file; errors and empty quarantines leave nothing behind."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from assets.ingest.parquet_out import ParquetOut

SCHEMA = pa.schema([pa.field("a", pa.string())])


def test_publishes_atomically_when_complete(tmp_path):
    path = tmp_path / "out" / "x.parquet"
    with ParquetOut(path, SCHEMA) as out:
        out.write(pa.table({"a": ["1", "2"]}, schema=SCHEMA))
        out.write(pa.table({"a": ["3"]}, schema=SCHEMA).to_batches()[0])
        assert not path.exists()  # still being written under a temporary name
    assert pq.read_table(path).column("a").to_pylist() == ["1", "2", "3"]
    assert list(path.parent.iterdir()) == [path]


def test_error_leaves_no_file(tmp_path):
    path = tmp_path / "x.parquet"
    with pytest.raises(RuntimeError), ParquetOut(path, SCHEMA) as out:
        out.write(pa.table({"a": ["1"]}, schema=SCHEMA))
        raise RuntimeError("reader failed mid-file")
    assert list(tmp_path.iterdir()) == []


def test_empty_output_can_remove_a_stale_file(tmp_path):
    path = tmp_path / "q.parquet"
    path.write_bytes(b"stale quarantine from an earlier run")
    with ParquetOut(path, SCHEMA, discard_if_empty=True):
        pass
    assert list(tmp_path.iterdir()) == []
