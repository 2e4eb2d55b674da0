"""The production profile for real: PostgreSQL storage, a code server, `dagster-webserver` and `dagster-daemon`
as separate processes from deploy/ (dagster.yaml, workspace.yaml), the schedule ticked by the daemon, and the
nightly run going through the queue (QueuedRunCoordinator) to SUCCESS on a small sample.

`C360_NIGHTLY_CRON='* * * * *'` makes the daemon tick within a minute; everything else is the prod profile as
deploy/README.md installs it.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
import urllib.error
from collections.abc import Iterator
from pathlib import Path

import pytest

from assets.layout import REPO_ROOT
from tests.browser.dagster_dev import (
    VENV_BIN,
    DagsterDev,
    _stop,  # SIGTERM, then the whole process group (run workers too)
    c360_env,
    free_port,
    stop_standard_sensors,
)
from tests.pg_server import running_postgres
from tests.test_deploy_files import migrate_command

pytestmark = [pytest.mark.slow, pytest.mark.services]

SCHEDULE = "nightly_customer360_schedule"
JOB = "nightly_customer360"


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("w") as out:
        return subprocess.Popen(
            args, cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def _tail(log: Path, lines: int = 30) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:]) if log.exists() else ""


@contextlib.contextmanager
def prod_deployment(tmp: Path, pg_url: str) -> Iterator[tuple[DagsterDev, dict[str, str], dict[str, Path]]]:
    """Code server, webserver (no daemon yet) with deploy/'s instance on Postgres; sample data in tmp/data."""
    home, data = tmp / "dagster_home", tmp / "data"
    home.mkdir()
    shutil.copyfile(REPO_ROOT / "deploy" / "dagster.yaml", home / "dagster.yaml")
    env = c360_env(data, home)
    code_port, web_port = free_port(), free_port()
    env.update(
        C360_ENV="prod",  # data dir and landing zone are required dg.EnvVars in prod
        C360_LANDING=str(data / "landing"),
        # psycopg2, the driver dagster-postgres is written for (SQLAlchemy 2.1 picks psycopg 3 for postgresql://,
        # whose `with connection:` closes the connection the storage goes on using)
        C360_DAGSTER_PG_URL=pg_url.replace("postgresql://", "postgresql+psycopg2://"),
        C360_CODE_SERVER_HOST="127.0.0.1",
        C360_CODE_SERVER_PORT=str(code_port),
        C360_NIGHTLY_CRON="* * * * *",
    )
    from assets.sample import generate_sample

    generate_sample(data, customers=20, seed=3)
    # deploy/'s one-shot migrate first, as compose and systemd order it (tests/test_deploy_files.py)
    program, *args = migrate_command()
    subprocess.run([str(VENV_BIN / program), *args], env=env, cwd=REPO_ROOT, check=True, timeout=300)
    logs = {name: tmp / f"{name}.log" for name in ("code_server", "webserver", "daemon")}
    procs = [
        _start(
            [
                str(VENV_BIN / "dagster"),
                "code-server",
                "start",
                "-m",
                "orchestration.definitions",
                "--location-name",
                "customer360",
                "--use-python-environment-entry-point",
                "-h",
                "127.0.0.1",
                "-p",
                str(code_port),
            ],
            env,
            logs["code_server"],
        ),
        _start(
            [
                str(VENV_BIN / "dagster-webserver"),
                "-w",
                "deploy/workspace.yaml",
                "-h",
                "127.0.0.1",
                "-p",
                str(web_port),
            ],
            env,
            logs["webserver"],
        ),
    ]
    server = DagsterDev(url=f"http://127.0.0.1:{web_port}", data_dir=data, home=home, log=logs["webserver"])
    try:
        _wait_loaded(server, procs, logs)
        yield server, env, logs
    finally:
        for proc in reversed(procs):
            _stop(proc)


_LOCATIONS = """{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus
  locationOrLoadError { __typename ... on PythonError { message } } } } } }"""


def _wait_loaded(server: DagsterDev, procs: list[subprocess.Popen], logs: dict[str, Path]) -> None:
    deadline, last = time.monotonic() + 300, ""  # a stale dbt manifest is re-parsed at load
    while time.monotonic() < deadline:
        for proc, name in zip(procs, logs, strict=False):
            if proc.poll() is not None:
                pytest.fail(f"{name} exited with {proc.returncode}:\n{_tail(logs[name])}", pytrace=False)
        try:
            entries = server.graphql(_LOCATIONS, timeout=10)["workspaceOrError"]["locationEntries"]
            kinds = [e["locationOrLoadError"]["__typename"] for e in entries if e["locationOrLoadError"]]
            if entries and "RepositoryLocation" in kinds:
                return
            last = str(entries)
        except (urllib.error.URLError, ConnectionError, TimeoutError, RuntimeError, KeyError) as exc:
            last = str(exc)
        time.sleep(2)
    pytest.fail(
        f"code location not served after 300 s ({last}):\n{_tail(logs['code_server'])}\n{_tail(logs['webserver'])}",
        pytrace=False,
    )


_RUNS = (
    'query { runsOrError(filter: {pipelineName: "' + JOB + '"}) { ... on Runs { results { '
    "runId status tags { key value } } } } }"
)


def _retry(call, seconds: float = 90):
    """The webserver answers 500 while it refreshes a code location the code server just (re)loaded."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return call()
        except urllib.error.HTTPError as exc:
            if time.monotonic() > deadline:
                pytest.fail(f"webserver answered {exc.code}: {exc.read()[:3000]!r}", pytrace=False)
            time.sleep(3)
        except (urllib.error.URLError, ConnectionError, TimeoutError, RuntimeError):
            if time.monotonic() > deadline:
                raise
            time.sleep(3)


def _runs(server: DagsterDev) -> list[dict]:
    return server.graphql(_RUNS)["runsOrError"]["results"]


@pytest.mark.timeout(1500)
def test_schedule_tick_runs_the_nightly_job_through_the_queue_on_postgres(tmp_path: Path) -> None:
    with running_postgres() as pg_url, prod_deployment(tmp_path, pg_url) as (server, env, logs):
        # the instance the webserver serves stores runs, events and schedules in this Postgres
        import psycopg

        with psycopg.connect(pg_url) as con:
            tables = {
                r[0] for r in con.execute("select tablename from pg_tables where schemaname = 'public'")
            }
        assert {"runs", "event_logs", "instigators", "jobs"} <= tables, tables

        # the landing sensor would start its own run for the same files; the schedule is what this test checks
        assert "landing_zone_sensor" in _retry(lambda: stop_standard_sensors(server))
        daemon = _start(
            [str(VENV_BIN / "dagster-daemon"), "run", "-w", "deploy/workspace.yaml"], env, logs["daemon"]
        )
        try:
            deadline, runs = time.monotonic() + 720, []  # a loaded 2-core box: ~3 min; idle: ~1 min
            while time.monotonic() < deadline:
                if daemon.poll() is not None:
                    pytest.fail(f"dagster-daemon exited:\n{_tail(logs['daemon'])}", pytrace=False)
                runs = _retry(lambda: _runs(server))
                if runs and runs[-1]["status"] in {"SUCCESS", "FAILURE", "CANCELED"}:
                    break
                time.sleep(3)
            assert runs, f"the daemon launched no run:\n{_tail(logs['daemon'])}"
            run = runs[-1]  # the first tick's run (newest first)
            tags = {t["key"]: t["value"] for t in run["tags"]}
            assert tags.get("dagster/schedule_name") == SCHEDULE, tags
            assert run["status"] == "SUCCESS", (
                f"{run}\n{_tail(logs['daemon'])}\n{_tail(logs['code_server'], 60)}"
            )
            with psycopg.connect(pg_url) as con:  # the run's events, as the instance stored them
                rows = con.execute(
                    "select dagster_event_type from event_logs where run_id = %s and dagster_event_type like %s"
                    " order by id",
                    [run["runId"], "PIPELINE_%"],
                ).fetchall()
            kinds = [r[0] for r in rows]
            # queued by the schedule (QueuedRunCoordinator), started by the daemon's dequeuer, run in its own process
            assert kinds[:3] == ["PIPELINE_ENQUEUED", "PIPELINE_STARTING", "PIPELINE_START"], kinds
            assert kinds[-1] == "PIPELINE_SUCCESS", kinds
            assert (server.data_dir / "warehouse" / "customer360.duckdb").exists()
        finally:
            _stop(daemon)
