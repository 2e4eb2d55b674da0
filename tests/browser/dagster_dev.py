"""Start `dagster dev` as a user does (`make dev`), on 127.0.0.1 and a free port, and talk to its GraphQL API."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from assets.layout import REPO_ROOT

VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class DagsterDev:
    url: str
    data_dir: Path
    home: Path
    log: Path

    def graphql(self, query: str, variables: dict | None = None, timeout: float = 30) -> dict:
        body = json.dumps({"query": query, "variables": variables or {}}).encode()
        request = urllib.request.Request(
            f"{self.url}/graphql", data=body, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload = json.loads(response.read())
        if payload.get("errors"):
            raise RuntimeError(f"GraphQL errors: {payload['errors']}")
        return payload["data"]

    def log_tail(self, lines: int = 40) -> str:
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def c360_env(data_dir: Path, home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"C360_LANDING", "C360_CONFIG_DIR"}}
    env.update(
        DAGSTER_HOME=str(home),
        C360_DATA_DIR=str(data_dir),
        DO_NOT_TRACK="1",
        DAGSTER_DISABLE_TELEMETRY="1",
        PYTHONUNBUFFERED="1",
        PATH=f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",  # dbt, as under `uv run dagster dev`
    )
    return env


def write_sample(data_dir: Path, env: dict[str, str], customers: int) -> None:
    """`customer360 sample`, the command a user runs, into data_dir/landing."""
    proc = subprocess.run(
        [str(VENV_BIN / "customer360"), "sample", "--out", str(data_dir), "--customers", str(customers)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if proc.returncode != 0:
        pytest.fail(f"`customer360 sample` failed ({proc.returncode}):\n{proc.stderr[-3000:]}", pytrace=False)


_LOCATIONS = """
{ workspaceOrError { __typename ... on Workspace { locationEntries { name loadStatus
    locationOrLoadError { __typename ... on PythonError { message stack } } } } } }
"""


@contextlib.contextmanager
def dagster_dev(data_dir: Path, home: Path, log: Path, startup_timeout: float = 240) -> Iterator[DagsterDev]:
    """`dagster dev -w workspace.yaml` with the repo's instance config, stopped (whole process group) after."""
    home.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPO_ROOT / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    port = free_port()
    env = c360_env(data_dir, home)
    log.parent.mkdir(parents=True, exist_ok=True)
    server = DagsterDev(url=f"http://127.0.0.1:{port}", data_dir=data_dir, home=home, log=log)
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(VENV_BIN / "dagster"), "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
            cwd=REPO_ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: webserver, daemon and code server stop together
        )
        try:
            _wait_until_loaded(server, proc, startup_timeout)
            yield server
        finally:
            _stop(proc)


def _wait_until_loaded(server: DagsterDev, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer yet"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"dagster dev exited with {proc.returncode}:\n{server.log_tail()}", pytrace=False)
        try:
            entries = server.graphql(_LOCATIONS, timeout=10)["workspaceOrError"]["locationEntries"]
        except (urllib.error.URLError, ConnectionError, TimeoutError, RuntimeError) as exc:
            last = str(exc)
            time.sleep(2)
            continue
        if entries and all(e["loadStatus"] == "LOADED" for e in entries):
            errors = [e for e in entries if e["locationOrLoadError"]["__typename"] == "PythonError"]
            if errors:
                err = errors[0]["locationOrLoadError"]
                pytest.fail(
                    f"code location {errors[0]['name']!r} failed to load in dagster dev:\n"
                    f"{err['message']}\n{''.join(err['stack'][-6:])}",
                    pytrace=False,
                )
            return
        last = f"locations: {[(e['name'], e['loadStatus']) for e in entries]}"
        time.sleep(2)
    pytest.fail(f"dagster dev not ready after {timeout:.0f}s ({last}):\n{server.log_tail()}", pytrace=False)


def _stop(proc: subprocess.Popen) -> None:
    """SIGTERM to `dagster dev` alone lets it stop its children; whatever is left of the group is killed."""
    if proc.poll() is None:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=20)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)  # code servers / run workers that outlived the parent
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)


_RUNS = """
query($partition: String!) { runsOrError(filter: {tags: [{key: "dagster/partition", value: $partition}]}) {
  __typename ... on Runs { results { runId status jobName } } } }
"""


def runs_for_partition(server: DagsterDev, partition: str) -> list[dict]:
    return server.graphql(_RUNS, {"partition": partition})["runsOrError"]["results"]


def wait_for_launch(server: DagsterDev, partition: str, timeout: float) -> dict:
    """The run the UI just created for `partition` (any status)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = runs_for_partition(server, partition)
        if runs:
            return runs[0]
        time.sleep(2)
    pytest.fail(f"no run was created for partition {partition} within {timeout:.0f}s", pytrace=False)


def wait_for_run(server: DagsterDev, partition: str, timeout: float) -> dict:
    """The run launched for `partition`, once it has finished (or the test fails saying where it stood)."""
    deadline = time.monotonic() + timeout
    runs: list[dict] = []
    while time.monotonic() < deadline:
        runs = runs_for_partition(server, partition)
        if runs and runs[0]["status"] in {"SUCCESS", "FAILURE", "CANCELED"}:
            return runs[0]
        time.sleep(3)
    pytest.fail(f"run for partition {partition} not finished after {timeout:.0f}s: {runs}", pytrace=False)


def step_failures(server: DagsterDev, run_id: str) -> list[str]:
    """`step: message (cause)` for each failed step, to make a failed end-to-end run say why."""
    query = """
    query($runId: ID!) { logsForRun(runId: $runId, limit: 20000) { __typename ... on EventConnection { events {
      __typename ... on ExecutionStepFailureEvent { stepKey error { message causes { message } } } } } } }
    """
    events = server.graphql(query, {"runId": run_id})["logsForRun"].get("events", [])
    out = []
    for e in events:
        if e["__typename"] == "ExecutionStepFailureEvent":
            causes = " / ".join(c["message"].strip() for c in (e["error"] or {}).get("causes") or [])
            out.append(
                f"{e['stepKey']}: {(e['error'] or {}).get('message', '').strip()[:500]} {causes[:800]}"
            )
    return out


_SENSORS = """
{ repositoriesOrError { ... on RepositoryConnection { nodes { sensors { name sensorType sensorState { id status } } } } } }
"""
_STOP_SENSOR = """
mutation($id: String!) { stopSensor(id: $id) { __typename
  ... on StopSensorMutationResult { instigationState { status } } ... on PythonError { message } } }
"""


def stop_standard_sensors(server: DagsterDev) -> list[str]:
    """Switch off sensors that launch runs (the landing-zone sensor), as the Automation page's toggle does.

    The test launches the job itself; a sensor run on the same files would race it.
    """
    stopped = []
    for repo in server.graphql(_SENSORS)["repositoriesOrError"]["nodes"]:
        for sensor in repo["sensors"]:
            if sensor["sensorType"] != "STANDARD" or sensor["sensorState"]["status"] != "RUNNING":
                continue
            result = server.graphql(_STOP_SENSOR, {"id": sensor["sensorState"]["id"]})["stopSensor"]
            if result["__typename"] != "StopSensorMutationResult":
                pytest.fail(f"could not stop sensor {sensor['name']}: {result}", pytrace=False)
            stopped.append(sensor["name"])
    return stopped
