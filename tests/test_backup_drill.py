"""The restore drill: two nights, a backup, an erasure request after it, the data dir destroyed, a restore, the
third night — the same customer ids and marts as the run that was never interrupted, and the erased person
nowhere in the restored customer file."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from assets.backup.restore import restore_backup
from assets.backup.run import run_backup
from assets.layout import DataLayout
from assets.privacy.erasure import record_erasure_request
from assets.sample import generate_sample
from assets.settings import Settings
from orchestration.definitions import build_definitions
from orchestration.jobs import NIGHTLY_JOB
from tests.run_failures import step_failures

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]  # four nightly runs
# The CRMs arrive together: a CRM arriving alone on a later night would merge many existing customers at
# once, which the linkage sanity check rightly stops before the marts (write-audit-publish).
NIGHTS = {
    "2026-11-25": ("salesforce", "zoho", "fxiaoke", "hubspot", "enrichment", "orders", "survey"),
    "2026-11-26": ("interactions",),
}
THIRD = "2026-11-27"  # everything else (campaign members, …)
MARTS = ("dim_customer", "fct_orders", "fct_survey_responses", "mart_customer_profile", "mart_customer_kpis")


def night(data: Path, landing: Path, day: str) -> None:
    defs = build_definitions({"settings": Settings(data_dir=str(data), landing=str(landing))})
    with dg.DagsterInstance.ephemeral() as instance:
        result = defs.resolve_job_def(NIGHTLY_JOB).execute_in_process(
            instance=instance, partition_key=day, raise_on_error=False
        )
    assert result.success, "\n".join(step_failures(result))


def deliver(sample: Path, landing: Path, sources: tuple[str, ...] | None) -> None:
    """Move the sample's files of `sources` (None: all left) into the landing zone."""
    for folder in sorted((sample / "landing").iterdir()):
        if sources is None or folder.name in sources:
            shutil.copytree(folder, landing / folder.name, dirs_exist_ok=True)
            shutil.rmtree(folder)


def customer_file(data: Path) -> dict[str, pd.DataFrame]:
    xref = pd.read_parquet(data / "linkage" / "customer_xref.parquet")
    out = {
        "xref": xref[["source", "source_record_id", "customer_id"]].sort_values(
            ["source", "source_record_id"]
        )
    }
    with duckdb.connect(str(data / "warehouse" / "customer360.duckdb"), read_only=True) as con:
        for mart in MARTS:
            frame = con.execute(f"select * from marts.{mart}").df()
            stamps = [c for c in frame if c.endswith(("_at", "_ts")) or c in ("loaded_at", "run_date")]
            frame = frame.drop(columns=stamps)
            out[mart] = frame.sort_values(list(frame.columns)).reset_index(drop=True)
    return out


def test_restore_drill(tmp_path, monkeypatch):
    monkeypatch.setenv("C360_BACKUP_TO", str(tmp_path / "backups"))
    sample, landing, data = tmp_path / "sample", tmp_path / "landing", tmp_path / "data"
    generate_sample(sample, customers=120, seed=11)
    people = pd.read_csv(sample / "truth" / "customers.csv", dtype=str)
    for day, sources in NIGHTS.items():
        deliver(sample, landing, sources)
        night(data, landing, day)
    layout = DataLayout(root=data, landing=str(landing), config_dir=Path("config"))
    info = run_backup(layout, None, keep_daily=7, keep_weekly=4)
    forgotten = people.iloc[3]
    record_erasure_request(layout, email=forgotten["email"])  # after the backup: journaled beside it

    deliver(sample, landing, None)
    shutil.copytree(data, tmp_path / "uninterrupted")
    night(tmp_path / "uninterrupted", landing, THIRD)

    shutil.rmtree(data)  # the disk is lost
    restored = restore_backup(str(tmp_path / "backups"), data, None)
    assert restored.backup.endswith(info.name) and restored.erasures_reapplied == 1
    night(data, landing, THIRD)

    expected, actual = customer_file(tmp_path / "uninterrupted"), customer_file(data)
    for name in expected:
        pd.testing.assert_frame_equal(actual[name], expected[name], check_dtype=False, obj=name)
    assert len(expected["xref"]) > 300 and expected["xref"]["customer_id"].nunique() > 100
    email = forgotten["email"].lower().encode()
    holding = [
        p for p in data.rglob("*") if p.is_file() and "landing" not in p.parts and email in p.read_bytes()
    ]
    assert holding == []
