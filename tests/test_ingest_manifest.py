"""The file manifest: what is settled, what is retried, counts filled by validation."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from assets.ingest.config import SourceConfig
from assets.ingest.ingest import ingest_source
from assets.ingest.manifest import (
    COLUMNS,
    LINKED,
    SILVER,
    advance,
    append_manifest,
    loaded_hashes,
    pending_dates,
    pending_rows,
    read_manifest,
    record_validation,
    seen_versions,
)
from assets.layout import DataLayout
from assets.parquet_files import write_parquet_atomic
from assets.validate import validate_partition


def row(key: str, status: str, sha: str, size: int = 10) -> dict:
    return {"source": "crm", "key": key, "size": size, "sha256": sha, "rows_read": 2, "status": status,
            "error": "", "run_date": "2026-03-01", "loaded_at": pd.Timestamp("2026-03-01", tz="UTC"),
            "version": f"v-{key}", "progress": "raw" if status == "loaded" else None}  # fmt: skip


def test_settled_files_and_retries(tmp_path):
    layout = DataLayout(root=tmp_path, landing=str(tmp_path / "landing"), config_dir=tmp_path)
    assert read_manifest(layout).empty
    append_manifest(
        layout, [row("a.csv", "loaded", "s1"), row("b.csv", "duplicate", "s1"), row("c.csv", "failed", "")]
    )
    m = read_manifest(layout)
    assert seen_versions(m, "crm") == {("a.csv", "v-a.csv"), ("b.csv", "v-b.csv")}  # failed c.csv: retried
    assert loaded_hashes(m, "crm") == {"s1": "a.csv"}
    record_validation(layout, "crm", "s1", "2026-03-01", valid=1, quarantined=1)
    m = read_manifest(layout).set_index("key")
    assert (m.loc["a.csv", "rows_valid"], m.loc["a.csv", "rows_quarantined"]) == (1, 1)
    assert pd.isna(m.loc["b.csv", "rows_valid"])  # the duplicate row is not the loaded one


# ---------------------------------------------------------------- settlement by checksum and by linkage
CRM = SourceConfig(
    name="crm", entity="contact", glob="crm/*", columns={"ID": "source_record_id", "Name": "full_name"},
    primary_key=["source_record_id"],
)  # fmt: skip


def _layout(tmp_path: Path) -> DataLayout:
    (tmp_path / "landing" / "crm").mkdir(parents=True)
    return DataLayout(root=tmp_path, landing=str(tmp_path / "landing"), config_dir=tmp_path)


def test_corrected_file_with_same_name_size_and_mtime_is_loaded(tmp_path):
    layout = _layout(tmp_path)
    path = tmp_path / "landing" / "crm" / "a.csv"
    path.write_bytes(b"ID,Name\n1,Wang Wei\n")
    assert [f.status for f in ingest_source(CRM, layout, "2026-03-01").files] == ["loaded"]
    stat = path.stat()
    path.write_bytes(b"ID,Name\n1,Wang Wu \n")  # corrected: same name, same size
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # and the old mtime restored
    assert path.stat().st_size == stat.st_size
    again = ingest_source(CRM, layout, "2026-03-02")
    assert [(f.key, f.status) for f in again.files] == [("crm/a.csv", "loaded")]
    assert ingest_source(CRM, layout, "2026-03-03").files == []  # this version is handled: not hashed again


def test_touched_file_is_hashed_and_skipped_not_loaded_twice(tmp_path):
    layout = _layout(tmp_path)
    path = tmp_path / "landing" / "crm" / "a.csv"
    path.write_bytes(b"ID,Name\n1,Wang Wei\n")
    ingest_source(CRM, layout, "2026-03-01")
    path.touch()
    os.utime(path, ns=(1, 1))
    assert [f.status for f in ingest_source(CRM, layout, "2026-03-02").files] == ["skipped"]
    assert len(list((tmp_path / "raw").rglob("*.parquet"))) == 1


def test_loaded_file_is_pending_until_its_rows_are_linked(tmp_path):
    layout = _layout(tmp_path)
    (tmp_path / "landing" / "crm" / "a.csv").write_bytes(b"ID,Name\n1,Wang Wei\n")
    ingest_source(CRM, layout, "2026-03-01")
    assert pending_dates(layout) == ["2026-03-01"]  # a run killed here leaves the file pending
    assert advance(layout, ["2026-03-01"], to=SILVER) == 0  # not validated yet: not standardised either
    record_validation(layout, "crm", read_manifest(layout)["sha256"][0], "2026-03-01", valid=1, quarantined=0)
    assert advance(layout, ["2026-03-01"], to=SILVER) == 1
    assert pending_dates(layout, progress=(SILVER,)) == ["2026-03-01"]
    assert advance(layout, ["2026-03-01"], to=LINKED, settled_run_date="2026-03-02") == 1
    m = read_manifest(layout)
    assert pending_dates(layout) == [] and pending_rows(m).empty
    assert (m["progress"][0], m["settled_run_date"][0]) == ("linked", "2026-03-02")


def test_unrecorded_raw_copy_is_dropped_not_validated(tmp_path):
    """A run killed between writing a raw copy and recording it: the copy is removed, the file ingested again."""
    layout = _layout(tmp_path)
    (tmp_path / "landing" / "crm" / "a.csv").write_bytes(b"ID,Name\n1,Wang Wei\n")
    ingest_source(CRM, layout, "2026-03-01")
    layout.manifest.unlink()
    assert validate_partition(CRM, layout, "2026-03-01").files == []
    assert not list(layout.raw("crm", "2026-03-01").glob("*.parquet"))


def test_a_manifest_read_again_is_the_file_as_it_is_now(tmp_path):
    # read_manifest keeps the last read by the file's identity: every write (here, another process's) shows
    layout = DataLayout(root=tmp_path, landing=str(tmp_path / "landing"), config_dir=tmp_path)
    row = {
        "source": "crm",
        "key": "crm/a.csv",
        "sha256": "a" * 64,
        "status": "loaded",
        "run_date": "2026-01-01",
    }
    append_manifest(layout, [row])
    for _ in range(2):  # a caller changing its copy changes nobody else's (the first read or a kept one)
        read_manifest(layout).loc[0, "status"] = "failed"
    assert read_manifest(layout)["status"].tolist() == ["loaded"]
    append_manifest(layout, [{**row, "key": "crm/b.csv", "sha256": "b" * 64}])
    assert read_manifest(layout)["key"].tolist() == ["crm/a.csv", "crm/b.csv"]
    same_size = read_manifest(layout).assign(status="skipped")  # rewritten whole, same length
    write_parquet_atomic(same_size.astype(COLUMNS), layout.manifest)
    assert read_manifest(layout)["status"].tolist() == ["skipped", "skipped"]
    layout.manifest.unlink()
    assert read_manifest(layout).empty


def test_what_a_write_keeps_is_the_file_as_read_from_disk(tmp_path, monkeypatch):
    """A write keeps the frame it wrote (the night's writes are not each read back), equal to the file read."""
    import assets.ingest.manifest as manifest

    layout = _layout(tmp_path)
    append_manifest(layout, [row("crm/a.csv", "loaded", "a" * 64), row("crm/b.csv", "failed", "b" * 64)])
    record_validation(layout, "crm", "a" * 64, "2026-03-01", valid=2, quarantined=0)
    advance(layout, ["2026-03-01"], SILVER)
    reads: list[Path] = []
    read_file = manifest._read_manifest_file
    monkeypatch.setattr(
        manifest, "_read_manifest_file", lambda lay: reads.append(lay.manifest) or read_file(lay)
    )
    kept = read_manifest(layout)
    assert reads == []  # the last write's frame, not the file again
    pd.testing.assert_frame_equal(kept, read_file(layout))
    assert kept.loc[0, "rows_valid"] == 2 and kept.loc[0, "progress"] == SILVER
