"""ParquetOut: a reader never sees half a file; errors and empty quarantines leave nothing behind —
plain, and encrypted when C360_ENCRYPTION_KEY is set."""

from __future__ import annotations

import pyarrow as pa
import pytest

from assets.ingest.parquet_out import ParquetOut
from assets.parquet_files import is_encrypted_parquet, open_parquet

SCHEMA = pa.schema([pa.field("a", pa.string())])


@pytest.fixture(params=["plain", "encrypted"])
def mode(request, monkeypatch) -> str:
    if request.param == "encrypted":
        monkeypatch.setenv("C360_ENCRYPTION_KEY", "parquet-out test key")
    else:
        monkeypatch.delenv("C360_ENCRYPTION_KEY", raising=False)
    return request.param


def test_publishes_atomically_when_complete(tmp_path, mode):
    path = tmp_path / "out" / "x.parquet"
    with ParquetOut(path, SCHEMA) as out:
        out.write(pa.table({"a": ["1", "2"]}, schema=SCHEMA))
        out.write(pa.table({"a": ["3"]}, schema=SCHEMA).to_batches()[0])
        assert not path.exists()  # still being written under a temporary name
    assert open_parquet(path).read().column("a").to_pylist() == ["1", "2", "3"]
    assert is_encrypted_parquet(path) == (mode == "encrypted")
    assert list(path.parent.iterdir()) == [path]


def test_streams_many_batches_in_order(tmp_path, mode):
    path = tmp_path / "big.parquet"
    with ParquetOut(path, SCHEMA) as out:
        for i in range(50):
            out.write(pa.table({"a": [f"{i}-{j}" for j in range(1000)]}, schema=SCHEMA))
    source = open_parquet(path)
    assert source.metadata.num_rows == 50_000
    batches = list(source.iter_batches(batch_size=4096, columns=["a"]))
    assert max(b.num_rows for b in batches) <= 4096
    assert pa.Table.from_batches(batches).column("a")[49_999].as_py() == "49-999"


def test_error_leaves_no_file(tmp_path, mode):
    path = tmp_path / "x.parquet"
    with pytest.raises(RuntimeError), ParquetOut(path, SCHEMA) as out:
        out.write(pa.table({"a": ["1"]}, schema=SCHEMA))
        raise RuntimeError("reader failed mid-file")
    assert list(tmp_path.iterdir()) == []


def test_write_error_surfaces_and_leaves_no_file(tmp_path, mode):
    path = tmp_path / "x.parquet"
    wrong = pa.table({"b": [1]})
    # Both writers (pyarrow plain, DuckDB encrypted) refuse a batch of another schema with a ValueError.
    with pytest.raises(ValueError, match="schema"), ParquetOut(path, SCHEMA) as out:
        for _ in range(3):
            out.write(wrong)
    assert not path.exists()


def test_empty_output_can_remove_a_stale_file(tmp_path, mode):
    path = tmp_path / "q.parquet"
    path.write_bytes(b"stale quarantine from an earlier run")
    with ParquetOut(path, SCHEMA, discard_if_empty=True):
        pass
    assert list(tmp_path.iterdir()) == []


def test_schema_metadata_kept_even_without_rows(tmp_path, mode):
    schema = SCHEMA.with_metadata({"c360.sha256": "ab" * 32, "c360.file": "crm/张伟.csv"})
    for rows in ([], ["x"]):
        path = tmp_path / f"{len(rows)}.parquet"
        with ParquetOut(path, schema) as out:
            if rows:
                out.write(pa.table({"a": rows}, schema=schema))
        source = open_parquet(path)
        assert source.schema_arrow.names == ["a"]
        assert source.schema_arrow.metadata[b"c360.sha256"] == b"ab" * 32
        assert source.read().schema.metadata[b"c360.file"] == "crm/张伟.csv".encode()
        assert source.read().column_names == ["a"]
