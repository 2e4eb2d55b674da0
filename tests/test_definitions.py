"""The code location loads the way `dagster dev` and `dg` load it."""

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

from orchestration.definitions import defs
from orchestration.jobs import NIGHTLY_JOB

REPO = Path(__file__).resolve().parent.parent


def test_dagster_definitions_validate():
    env = {**os.environ, "DO_NOT_TRACK": "1", "DAGSTER_DISABLE_TELEMETRY": "1"}
    dagster = Path(sys.executable).parent / "dagster"
    done = subprocess.run(
        [str(dagster), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "All code locations passed validation" in done.stdout + done.stderr


def test_asset_graph_runs_from_landing_to_marts():
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert {"raw/salesforce", "bronze/salesforce", "silver/person", "linkage/customer_xref"} <= keys
    assert {
        "marts/dim_customer",
        "marts/mart_customer_profile",
        "marts/mart_satisfaction",
        "report/run_report",
    } <= keys
    assert {"staging/stg_silver__orders", "snapshots/dim_customer_snapshot", "seeds/currency_rates"} <= keys
    assert not [k for k in graph.get_all_asset_keys() if len(k.path) < 2]  # every key carries its layer
    # the marts sit downstream of every stage, from the landing files on
    upstream = dg.AssetSelection.assets(["marts", "mart_customer_profile"]).upstream().resolve(graph)
    names = {key.to_user_string() for key in upstream}
    assert {
        "raw/fxiaoke",
        "bronze/fxiaoke",
        "silver/person",
        "linkage/customer_xref",
        "privacy/erasure",
    } <= names


def test_nightly_job_is_daily_partitioned_with_schedule():
    job = defs.resolve_job_def(NIGHTLY_JOB)
    assert isinstance(job.partitions_def, dg.DailyPartitionsDefinition)
    assert job.partitions_def.timezone == "Asia/Shanghai"
    schedule = defs.resolve_schedule_def("nightly_customer360_schedule")
    assert schedule.execution_timezone == "Asia/Shanghai"
    assert schedule.cron_schedule == "0 2 * * *"  # 02:00 every day
    assert schedule.job_name == NIGHTLY_JOB


def test_every_asset_has_a_producer():
    """dbt sources resolve to the Python assets that write them: nothing in the graph is an orphan."""
    graph = defs.resolve_asset_graph()
    orphans = [k.to_user_string() for k in graph.get_all_asset_keys() if not graph.get(k).is_materializable]
    assert orphans == []
    assert {"staging/stg_ops__quarantine"} == {
        k.to_user_string() for k in graph.get(dg.AssetKey(["ops", "quarantine"])).child_keys
    }
