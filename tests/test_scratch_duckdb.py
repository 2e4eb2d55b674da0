"""assets/scratch_duckdb.py: validation works on cursors of one in-memory DuckDB per process, not a database of
its own per file (~17 ms each), and cursors on other threads keep their registered tables apart."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from assets.ingest.config import SourceConfig
from assets.ingest.ingest import ingest_source
from assets.layout import DataLayout
from assets.scratch_duckdb import scratch_cursor
from assets.validate import validate_partition

CRM = SourceConfig(
    name="crm", entity="contact", glob="crm/*", columns={"ID": "source_record_id", "Name": "full_name"},
    primary_key=["source_record_id"],
)  # fmt: skip


def test_cursors_on_threads_see_their_own_tables() -> None:
    def total(n: int) -> int:
        with scratch_cursor() as con:
            con.register("numbers", pa.table({"x": list(range(n))}))
            return con.execute("select sum(x) from numbers").fetchone()[0]

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(total, [10, 100, 1000, 10] * 5)) == [45, 4950, 499500, 45] * 5


def test_validation_opens_no_database_per_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    landing = tmp_path / "landing" / "crm"
    landing.mkdir(parents=True)
    for i in range(3):  # a repeated key with other content (a conflict) and an exact copy in each file
        rows = f"ID,Name\n{i}1,Wang Wei\n{i}1,Li Na\n{i}2,Zhou Min\n{i}2,Zhou Min\n"
        (landing / f"f{i}.csv").write_text(rows, encoding="utf-8")
    layout = DataLayout(root=tmp_path, landing=str(tmp_path / "landing"), config_dir=tmp_path)
    ingest_source(CRM, layout, "2026-03-01")
    scratch_cursor().close()  # the process's scratch database exists (any earlier test may have made it)
    opened: list[object] = []
    connect = duckdb.connect
    monkeypatch.setattr(duckdb, "connect", lambda *a, **k: opened.append(a) or connect(*a, **k))
    result = validate_partition(CRM, layout, "2026-03-01")
    assert [(f["rows_in"], f["rows_valid"], f["rows_quarantined"]) for f in result.files] == [(4, 1, 3)] * 3
    assert result.by_check == {"primary_key_unique": 6, "duplicate_row": 3}
    assert opened == []
