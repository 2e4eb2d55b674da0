"""The nightly job end to end on generated sample data: landing files → marts, through Dagster."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from assets.ingest.encoding import detect_file_encoding, read_sample
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
    # Every quarantined value of a text file is read back from the landing file, on the line named.
    checked = 0
    for row in quarantine.itertuples():
        path = data / "landing" / row.file
        assert path.is_file(), f"quarantine names {row.file}, not in the landing zone"
        if path.suffix not in (".csv", ".tsv", ".txt", ".jsonl") or pd.isna(row.raw_value):
            continue
        text = path.read_bytes().decode(detect_file_encoding(path, read_sample(path)))
        line = text.splitlines()[int(row.line) - 1]
        assert str(row.raw_value) in line, (row.file, row.line, row.raw_value, line)
        checked += 1
    assert checked >= 3


def _warehouse(data: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(data / "warehouse" / "customer360.duckdb"), read_only=True) as con:
        return con.execute(sql).df()


def test_marts_built(nightly):
    data, _ = nightly
    tables = set(_warehouse(data, "select table_name from information_schema.tables")["table_name"])
    assert {
        "dim_customer",
        "fct_orders",
        "fct_survey_responses",
        "mart_customer_profile",
        "mart_satisfaction",
    } <= tables


def test_order_totals_per_customer_match_ground_truth(nightly):
    data, _ = nightly
    truth = pd.read_csv(data / "truth" / "orders.csv", dtype={"order_id": str})
    truth = truth[truth["valid"]]
    orders = _warehouse(
        data, "select order_id, line_no, customer_id, amount, currency_code from marts.fct_orders"
    )
    # every valid order line arrives once, with its amount in its own currency
    assert len(orders) == len(truth)
    assert orders["amount"].sum() == pytest.approx(truth["amount"].sum())
    # customer_id → true customer by majority of its order lines; a correctly linked customer's total is exact
    merged = orders.merge(truth, on=["order_id", "line_no"], suffixes=("", "_truth"))
    owner = merged.groupby("customer_id")["true_customer_id"].agg(lambda s: s.mode().iloc[0])
    ours = merged.groupby("customer_id")["amount"].sum().rename(index=owner).groupby(level=0).sum()
    expected = truth.groupby("true_customer_id")["amount"].sum()
    exact = (ours.reindex(expected.index).fillna(0) - expected).abs() < 0.01
    assert exact.mean() >= 0.95, f"{(~exact).sum()} of {len(exact)} customers' order totals differ"
