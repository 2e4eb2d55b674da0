"""orchestration/event_log_sync.py: a run on Dagster's SQLite storage stores its events without a checkpoint and
a disk flush per event, and loses none of them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import dagster as dg
import pytest

from orchestration.event_log_sync import _run_storage_file, held_event_log


@dg.op
def _noop() -> None:
    pass


@dg.job
def _job() -> None:
    _noop()


@pytest.fixture
def instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A DAGSTER_HOME instance with the default SQLite storages, as `customer360 run` and `make dev` use."""
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path))
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    with dg.DagsterInstance.get() as opened:
        yield opened


def _wal(instance: dg.DagsterInstance, shard: str) -> Path:
    return Path(instance.event_log_storage.path_for_shard(shard) + "-wal")


def test_events_stored_without_a_checkpoint_each_and_all_kept(instance: dg.DagsterInstance) -> None:
    run = instance.create_run_for_job(_job)
    instance.report_engine_event("before", run)
    # Dagster closes its connection after every event: alone on the file, the close checkpoints and
    # removes the WAL (a flush of the WAL and of the database each time)
    assert not _wal(instance, run.run_id).exists()
    with held_event_log(instance, run.run_id):
        for i in range(20):
            instance.report_engine_event(f"event {i}", run)
            assert _wal(instance, run.run_id).exists()  # no checkpoint on close: the WAL stays
        instance.add_run_tags(run.run_id, {"customer360/test": "tagged"})  # the run storage's file too
        assert Path(str(_run_storage_file(instance)) + "-wal").exists()
        # Dagster's own connections to the run's file commit without waiting for the disk
        engine_connection = instance.event_log_storage._connect(run.run_id)
        with engine_connection as conn:
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    assert not _wal(instance, run.run_id).exists()  # checkpointed once, when the run ended
    messages = [e.message for e in instance.all_logs(run.run_id)]
    assert messages[-20:] == [f"event {i}" for i in range(20)] and "before" in messages
    with sqlite3.connect(instance.event_log_storage.path_for_shard(run.run_id)) as con:
        assert con.execute("pragma integrity_check").fetchone()[0] == "ok"


def _opened_sqlite_connections(block) -> int:
    """New SQLite connections any SQLAlchemy engine of this process opened while `block()` ran."""
    import sqlalchemy
    from sqlalchemy import event

    opened: list[object] = []

    def count(dbapi_connection: object, _record: object) -> None:
        opened.append(dbapi_connection)

    event.listen(sqlalchemy.engine.Engine, "connect", count)
    try:
        block()
    finally:
        event.remove(sqlalchemy.engine.Engine, "connect", count)
    return len(opened)


def test_events_stored_through_one_engine_per_file(instance: dg.DagsterInstance) -> None:
    """Dagster builds an engine (and opens a connection) per event; the hold reuses one per file for the run."""
    run = instance.create_run_for_job(_job)

    def events(prefix: str) -> None:
        for i in range(20):
            instance.report_engine_event(f"{prefix} {i}", run)
            instance.add_run_tags(run.run_id, {"customer360/test": str(i)})
            assert instance.event_log_storage.has_table("asset_event_tags")  # asked ~260 times a night

    assert _opened_sqlite_connections(lambda: events("unheld")) >= 60  # one per event, tag write, table check
    storage = instance.event_log_storage
    with held_event_log(instance, run.run_id):
        assert _opened_sqlite_connections(lambda: events("held")) <= 3  # the run's file, the runs file: once
        with held_event_log(instance, run.run_id):  # the executor's hold inside `customer360 run`'s
            instance.report_engine_event("nested", run)
        assert _opened_sqlite_connections(lambda: instance.report_engine_event("after nested", run)) == 0
    assert "_connect" not in vars(storage) and "connect" not in vars(instance.run_storage)  # Dagster's again
    instance.report_engine_event("after", run)
    messages = [e.message for e in instance.all_logs(run.run_id)]
    assert [m for m in messages if m.startswith("held ")] == [f"held {i}" for i in range(20)]
    assert {"nested", "after nested", "after"} <= set(messages)
    assert instance.get_run_by_id(run.run_id).tags["customer360/test"] == "19"


def test_a_run_on_another_storage_is_left_alone() -> None:
    with dg.DagsterInstance.ephemeral() as ephemeral:
        run = ephemeral.create_run_for_job(_job)
        with held_event_log(ephemeral, run.run_id):
            ephemeral.report_engine_event("in memory", run)
        assert "in memory" in [e.message for e in ephemeral.all_logs(run.run_id)]


@dg.op
def _step(context) -> None:  # unannotated: Dagster refuses the string annotations of `__future__`
    context.log.info("a step's event")
    _SEEN.append(_wal(context.instance, context.run_id).exists())


_SEEN: list[bool] = []


def _guarded_job() -> dg.JobDefinition:
    from orchestration.executor import guarded_in_process_executor

    @dg.job(executor_def=guarded_in_process_executor)
    def guarded() -> None:
        _step()

    return guarded


def test_the_nightly_executor_holds_the_event_log(
    instance: dg.DagsterInstance, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The job's executor (runs launched by the daemon: UI, schedule, sensors) runs its steps inside the hold."""
    monkeypatch.setenv("C360_DATA_DIR", str(tmp_path / "data"))
    _SEEN.clear()
    with dg.execute_job(dg.reconstructable(_guarded_job), instance=instance) as result:
        assert result.success
    assert _SEEN == [True]


def test_a_cli_run_holds_it_from_its_planned_events(
    instance: dg.DagsterInstance, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`customer360 run` (run_nightly) holds the run's file before Dagster stores the run's first event."""
    run_id = "0f0e0d0c-0000-4000-8000-000000000001"
    with held_event_log(instance, run_id):
        assert Path(instance.event_log_storage.path_for_shard(run_id)).exists()
        result = _job.execute_in_process(instance=instance, run_id=run_id)
        assert result.success and _wal(instance, run_id).exists()


_KILLED_RUN = """
import os, signal, sys
import dagster as dg
from orchestration.event_log_sync import held_event_log
from tests.test_event_log_sync import _job

with dg.DagsterInstance.get() as instance:
    run = instance.create_run_for_job(_job, run_id=sys.argv[1])
    with held_event_log(instance, run.run_id):
        for i in range(10):
            instance.report_engine_event(f"event {i}", run)
        os.kill(os.getpid(), signal.SIGKILL)  # killed mid-run: the WAL is never checkpointed
"""


def test_a_killed_run_keeps_every_event_it_committed(instance: dg.DagsterInstance, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    run_id = "0f0e0d0c-0000-4000-8000-000000000002"
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    killed = subprocess.run(
        [sys.executable, "-c", _KILLED_RUN, run_id], env=env, cwd=Path(__file__).parent.parent
    )
    assert killed.returncode == -9
    assert _wal(instance, run_id).exists()  # left as the kill found it; SQLite replays it on the next open
    messages = [e.message for e in instance.all_logs(run_id)]
    assert [m for m in messages if m.startswith("event ")] == [f"event {i}" for i in range(10)]
