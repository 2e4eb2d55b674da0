"""The run guard: a writer lock a dead process cannot keep, and dead runs failed with their slots freed."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from orchestration.run_guard import WRITER_LOCK, alive, reap_dead_runs, writer_lock

REPO = Path(__file__).resolve().parent.parent
HOLD = """
import sys, time
from pathlib import Path
from orchestration.run_guard import alive, writer_lock
root = Path(sys.argv[1])
with alive(root, "run-a"), writer_lock(root, "run-a", print):
    print("holding", flush=True)
    time.sleep(600)
"""


def _holder(root: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(root)], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "holding"
    return proc


def test_second_writer_waits_with_one_line_until_the_holder_dies(tmp_path):
    holder = _holder(tmp_path)
    said: list[str] = []
    try:
        killer = subprocess.Popen(["sh", "-c", f"sleep 2; kill -9 {holder.pid}"])
        started = time.monotonic()
        with writer_lock(tmp_path, "run-b", said.append):
            waited = time.monotonic() - started
            assert "run run-b" in (tmp_path / WRITER_LOCK).read_text()
        killer.wait()
    finally:
        holder.kill()
        holder.wait()
    assert 1.0 < waited < 30, waited  # waited for the holder, got the lock as soon as it died
    assert len(said) == 1 and "run run-a" in said[0] and "waiting for it to finish" in said[0]


@pytest.fixture
def instance(tmp_path):
    (tmp_path / "home").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "home")) as instance:
        yield instance


def _started_run(instance: dg.DagsterInstance, run_id: str) -> None:
    instance.add_run(
        dg.DagsterRun(job_name="nightly_customer360", run_id=run_id, status=dg.DagsterRunStatus.STARTED)
    )
    instance.event_log_storage.set_concurrency_slots("duckdb_warehouse", 1)
    claim = instance.event_log_storage.claim_concurrency_slot("duckdb_warehouse", run_id, "dbt_step")
    assert claim.is_claimed


def test_dead_run_is_failed_and_its_pool_slot_freed(tmp_path, instance):
    holder = _holder(tmp_path)  # "run-a" alive, holding its liveness lock
    _started_run(instance, "run-a")
    assert reap_dead_runs(instance, tmp_path) == []  # alive: left alone
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    lines = reap_dead_runs(instance, tmp_path)
    assert len(lines) == 1 and "run-a" in lines[0] and "marked failed" in lines[0]
    assert instance.get_run_by_id("run-a").status == dg.DagsterRunStatus.FAILURE
    info = instance.event_log_storage.get_concurrency_info("duckdb_warehouse")
    assert info.active_slot_count == 0  # the next run's dbt step can claim it: no hang


def test_run_of_this_process_is_not_reaped(tmp_path, instance):
    with alive(tmp_path, "run-c"):
        _started_run(instance, "run-c")
        assert reap_dead_runs(instance, tmp_path) == []
    assert not (tmp_path / ".runs" / "run-c.alive").exists()


OPEN_WAREHOUSE = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("create table t as select 1 as x")
print("open", flush=True)
time.sleep(600)
"""


def test_guard_waits_for_a_dbt_left_writing_by_a_dead_run(tmp_path):
    from orchestration.run_guard import wait_for_warehouse

    warehouse = tmp_path / "customer360.duckdb"
    orphan = subprocess.Popen(
        [sys.executable, "-c", OPEN_WAREHOUSE, str(warehouse)], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    assert orphan.stdout.readline().strip() == "open"
    said: list[str] = []
    killer = subprocess.Popen(["sh", "-c", f"sleep 2; kill -9 {orphan.pid}"])
    try:
        started = time.monotonic()
        wait_for_warehouse(warehouse, said.append)
        assert time.monotonic() - started > 1.0
    finally:
        killer.wait()
        orphan.kill()
        orphan.wait()
    assert len(said) == 1 and "still open" in said[0]
    wait_for_warehouse(warehouse, said.append)  # nobody holds it: no wait, no line
    assert len(said) == 1
