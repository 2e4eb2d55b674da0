"""The file manifest: what is settled, what is retried, counts filled by validation."""

from __future__ import annotations

import pandas as pd

from assets.ingest.manifest import (
    append_manifest,
    loaded_hashes,
    read_manifest,
    record_validation,
    seen_versions,
)
from assets.layout import DataLayout


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
