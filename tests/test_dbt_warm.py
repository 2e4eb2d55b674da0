"""The warm dbt process (assets/dbt/warm.py, warm_server.py) with real processes: `python -m assets.dbt.quick_exit`
as dagster-dbt runs it, a real dbt build of a one-model DuckDB project, and the ways it can go wrong."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import duckdb
import psutil
import pytest

from assets.dbt.defs import warm_dbt_pays
from assets.dbt.warm import LOST_EXIT_CODE, READY, WARM_DBT_SOCKET, WarmDbt, hand_over, warm_dbt
from assets.layout import DataLayout
from orchestration.executor import DBT_STEP, guarded_in_process_executor, links_everything

OTHER_PYTHON = "/usr/bin/python3"  # runnable by user 65534 (the venv's may not be)
AS_ANOTHER_USER = os.getuid() == 0 and Path(OTHER_PYTHON).exists()
SLOW_SQL = "select count(*) as n from range(100000000000)"  # minutes of DuckDB work: killed before it ends


def _project(root: Path, model_sql: str) -> Path:
    """A dbt project of one model, its DuckDB file named by the C360_TEST_DB environment variable."""
    (root / "models").mkdir(parents=True)
    (root / "dbt_project.yml").write_text(
        "name: warm_test\nversion: '1.0'\nprofile: warm_test\nmodels: {warm_test: {+materialized: table}}\n"
    )
    (root / "profiles.yml").write_text(
        textwrap.dedent("""\
        warm_test:
          target: dev
          outputs:
            dev: {type: duckdb, path: "{{ env_var('C360_TEST_DB') }}", threads: 1}
        """)
    )
    (root / "models" / "answer.sql").write_text(model_sql)
    return root


@pytest.fixture
def no_dbt_here(tmp_path: Path) -> Path:
    """A PYTHONPATH on which `import dbt` fails: a client given it cannot have run dbt itself."""
    shadow = tmp_path / "shadow"
    (shadow / "dbt").mkdir(parents=True)
    (shadow / "dbt" / "__init__.py").write_text("raise ImportError('quick_exit imported dbt itself')\n")
    return shadow


def _client(
    project: Path, socket_path: str | None, db: Path, pythonpath: Path | None = None
) -> subprocess.Popen:
    """quick_exit as dagster-dbt starts it: in the project folder, its output on a pipe, stderr into it."""
    env = {
        **os.environ,
        "C360_TEST_DB": str(db),
        "DBT_PROFILES_DIR": str(project),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    env.pop(WARM_DBT_SOCKET, None)
    if socket_path is not None:
        env[WARM_DBT_SOCKET] = socket_path
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.Popen(
        [sys.executable, "-m", "assets.dbt.quick_exit", "run", "--target-path", "target/t"],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _answer(db: Path) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("select x from answer").fetchone()[0]


def _wait_for_line(client: subprocess.Popen, needle: str) -> str:
    seen = ""
    for line in client.stdout:
        seen += line
        if needle in line:
            return seen
    raise AssertionError(f"{needle!r} never came:\n{seen}")


@pytest.fixture
def warm() -> Iterator[WarmDbt]:
    process = WarmDbt()
    yield process
    process.stop()


def _build(
    project: Path, socket_path: str | None, db: Path, pythonpath: Path | None = None
) -> tuple[int, str]:
    client = _client(project, socket_path, db, pythonpath)
    out, _ = client.communicate(timeout=180)
    return client.returncode, out


def test_dbt_runs_in_the_warm_process_with_the_clients_folder_environment_and_streams(
    tmp_path, no_dbt_here, warm
):
    project, db = _project(tmp_path / "p", "select 42 as x"), tmp_path / "w.duckdb"
    code, out = _build(project, warm.socket_path, db, no_dbt_here)
    assert code == 0, out
    assert "1 of 1 OK created sql table model main.answer" in out  # dbt's output on the client's pipe
    assert _answer(db) == 42  # C360_TEST_DB and the project folder were the client's
    assert warm.process.wait(10) == 0  # one build served, then it ended
    assert not Path(warm.socket_path).exists()  # and its socket with it


def test_a_warm_up_parse_runs_before_the_request_and_the_build_after_it_is_right(
    tmp_path, no_dbt_here, monkeypatch
):
    """The throwaway `dbt parse` runs in the warm process while it waits (its manifest written before any
    client comes); the build the process runs next, in the same interpreter, is the client's own."""
    project, db = _project(tmp_path / "p", "select 43 as x"), tmp_path / "w.duckdb"
    monkeypatch.setenv("C360_TEST_DB", str(tmp_path / "warm_up.duckdb"))  # the warm process's own environment
    monkeypatch.setenv("DBT_PROFILES_DIR", str(project))
    parsed: list[Path] = []

    def warm_up(folder: Path) -> list[str]:
        parsed.append(folder)
        return [
            "parse",
            "--project-dir",
            str(project),
            "--target-path",
            str(folder),
            "--log-path",
            str(folder),
        ]

    warm = WarmDbt(warm_up=warm_up)
    try:
        deadline = time.monotonic() + 120
        while not (parsed[0] / "manifest.json").exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert (parsed[0] / "manifest.json").exists()
        code, out = _build(project, warm.socket_path, db, no_dbt_here)
        assert code == 0, out
        assert _answer(db) == 43
        assert not (tmp_path / "warm_up.duckdb").exists()  # the build used the client's C360_TEST_DB
    finally:
        warm.stop()


def test_the_warm_ups_parse_becomes_the_projects_so_the_build_parses_only_what_changed(tmp_path, monkeypatch):
    """A saved parse made without the night's vars (the load-time `dbt parse` after a deploy) is of no use to the
    build: the warm-up's parse, made with them, replaces it, so the build after it parses partially instead of
    parsing the whole project a second time."""
    project = _project(tmp_path / "p", "select 44 as x")
    env = {**os.environ, "C360_TEST_DB": str(tmp_path / "w.duckdb"), "DBT_PROFILES_DIR": str(project)}
    env.pop(WARM_DBT_SOCKET, None)
    night = ["--vars", json.dumps({"night": 1}), "--project-dir", str(project)]

    def parse(*args: str) -> str:  # dbt itself (no warm process), in the project's own target folder
        run = subprocess.run(
            [sys.executable, "-m", "assets.dbt.quick_exit", "parse", *args],
            cwd=project, env=env, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert run.returncode == 0, run.stdout
        return run.stdout

    parse("--project-dir", str(project))  # the load-time parse: no vars
    saved = project / "target" / "partial_parse.msgpack"
    before = saved.read_bytes()
    monkeypatch.setenv("DBT_PROFILES_DIR", str(project))
    monkeypatch.setenv("C360_TEST_DB", str(tmp_path / "w.duckdb"))
    warm = WarmDbt(warm_up=lambda folder: ["parse", *night, "--target-path", str(folder)])
    try:
        deadline = time.monotonic() + 120
        while saved.read_bytes() == before and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        warm.stop()
    assert "Unable to do partial parsing" not in parse(*night)


def test_the_warm_up_leaves_nothing_on_the_runs_stderr(tmp_path):
    """dbt's multiprocessing resource tracker, started by the warm-up with the run's stderr, stays quiet when the
    warm process ends after the build."""
    project = _project(tmp_path / "p", "select 1 as x")
    env = {**os.environ, "C360_TEST_DB": str(tmp_path / "w.duckdb"), "DBT_PROFILES_DIR": str(project)}
    env.pop(WARM_DBT_SOCKET, None)
    run = subprocess.run(
        [sys.executable, "-c", _RUN_WITH_A_WARM_UP, str(project)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["built", "0"]
    assert "leaked semaphore" not in run.stderr


# a run: a warm process with a warm-up parse, a build through it, the warm process's end
_RUN_WITH_A_WARM_UP = """
import os, subprocess, sys, time
from assets.dbt.warm import WARM_DBT_SOCKET, WarmDbt
project = sys.argv[1]
warm = WarmDbt(warm_up=lambda folder: ["parse", "--project-dir", project, "--target-path", str(folder)])
env = {**os.environ, WARM_DBT_SOCKET: warm.socket_path}
build = subprocess.run([sys.executable, "-m", "assets.dbt.quick_exit", "run"], cwd=project, env=env, capture_output=True)
print("built", build.returncode, flush=True)
warm.process.wait(60)
time.sleep(2)  # the resource tracker ends once the warm process has
warm.stop()
"""


def test_a_failing_build_returns_dbts_exit_code(tmp_path, no_dbt_here, warm):
    project = _project(tmp_path / "p", "select x from no_such_table")
    code, out = _build(project, warm.socket_path, tmp_path / "w.duckdb", no_dbt_here)
    assert code == 1, out
    assert "no_such_table" in out


def test_without_a_warm_process_dbt_runs_in_quick_exit(tmp_path, warm):
    """No socket, or a socket whose process was killed (its file left behind): quick_exit runs dbt itself."""
    project, db = _project(tmp_path / "p", "select 7 as x"), tmp_path / "w.duckdb"
    warm.process.kill()
    warm.process.wait()
    assert Path(warm.socket_path).exists()  # stale, nobody listening
    for socket_path in (str(tmp_path / "none.sock"), warm.socket_path):
        code, out = _build(project, socket_path, db)
        assert code == 0, out
        assert _answer(db) == 7


def test_a_client_waits_for_a_warm_process_still_importing(tmp_path, no_dbt_here, warm):
    project, db = _project(tmp_path / "p", "select 5 as x"), tmp_path / "w.duckdb"
    os.kill(warm.process.pid, signal.SIGSTOP)  # held before its imports are done
    client = _client(project, warm.socket_path, db, pythonpath=no_dbt_here)
    time.sleep(2)
    assert client.poll() is None  # waiting, not importing dbt itself (it could not)
    os.kill(warm.process.pid, signal.SIGCONT)
    out, _ = client.communicate(timeout=180)
    assert client.returncode == 0, out
    assert _answer(db) == 5


def test_a_warm_process_dying_before_it_answers_leaves_the_build_to_quick_exit(tmp_path, warm):
    project, db = _project(tmp_path / "p", "select 6 as x"), tmp_path / "w.duckdb"
    os.kill(warm.process.pid, signal.SIGSTOP)
    client = _client(project, warm.socket_path, db)
    time.sleep(1)
    warm.process.kill()
    out, _ = client.communicate(timeout=180)
    assert client.returncode == 0, out
    assert _answer(db) == 6


@pytest.fixture
def slow_build(tmp_path, no_dbt_here, warm) -> Iterator[tuple[WarmDbt, subprocess.Popen]]:
    """A warm process running a model that takes minutes, for a client that cannot run dbt itself."""
    client = _client(_project(tmp_path / "p", SLOW_SQL), warm.socket_path, tmp_path / "w.duckdb", no_dbt_here)
    _wait_for_line(client, "START sql table model main.answer")
    time.sleep(1)  # into the query: an interrupt as the node starts is missed by dbt itself, warm or not
    yield warm, client
    client.kill()


def test_a_warm_process_dying_mid_build_fails_the_build_without_running_it_again(slow_build):
    warm, client = slow_build
    warm.process.kill()
    out, _ = client.communicate(timeout=30)
    assert client.returncode == LOST_EXIT_CODE, out
    assert "the warm dbt process ended before dbt returned" in out
    assert "quick_exit imported dbt itself" not in out  # it did not fall back to a second build


def test_a_killed_client_takes_the_build_with_it(slow_build):
    warm, client = slow_build
    client.kill()
    client.wait()
    assert warm.process.wait(10) != 0  # dbt stopped, as killing dbt's own process would


def test_an_interrupt_reaches_dbt_and_its_exit_code_comes_back(slow_build):
    """dagster-dbt cancels a build with SIGINT to quick_exit: dbt, in the warm process, stops and says so."""
    warm, client = slow_build
    # sent again while it runs: one arriving before the node's query runs is missed by dbt itself, warm or not
    for _ in range(12):
        client.send_signal(signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            client.wait(5)
            break
    out, _ = client.communicate(timeout=60)
    assert client.returncode == 2, out  # dbt's own code for an interrupted build
    assert "KeyboardInterrupt" in out
    assert "the warm dbt process ended" not in out
    assert warm.process.wait(10) == 0


def _python(code: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)


def _ended(pid: int) -> bool:
    """Gone, or a zombie its new parent (init) has yet to reap."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_a_warm_process_ends_when_its_run_dies_or_nobody_comes():
    """Its parent killed before dbt (no teardown): it ends within seconds and removes its private folder; left
    alone, it ends after its idle timeout; a run that fails before dbt ends it on the way out."""
    parent = _python(
        "import os; from assets.dbt.warm import WarmDbt; w = WarmDbt(warm_up=lambda f: (f.mkdir(), [])[1]); "
        "print(w.process.pid, w.socket_path, flush=True); os._exit(1)"
    )
    pid, socket_path = parent.stdout.readline().split()
    parent.wait()
    deadline = time.monotonic() + 30
    while not _ended(int(pid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _ended(int(pid))
    assert not Path(socket_path).parent.exists()  # its private folder, the warm-up's files with it

    idle = WarmDbt(idle_timeout=1.0)
    try:
        assert idle.process.wait(60) == 0
    finally:
        idle.stop()

    with pytest.raises(RuntimeError), warm_dbt() as warm:
        assert os.environ[WARM_DBT_SOCKET] == warm.socket_path
        raise RuntimeError("a step failed before dbt")
    assert warm.process.returncode is not None
    assert not warm.folder.exists()
    assert WARM_DBT_SOCKET not in os.environ


def test_two_runs_at_once_each_use_their_own_warm_process(tmp_path, no_dbt_here):
    warms = [WarmDbt(), WarmDbt()]
    try:
        assert warms[0].socket_path != warms[1].socket_path
        clients = [
            _client(
                _project(tmp_path / f"p{i}", f"select {i} as x"),
                w.socket_path,
                tmp_path / f"{i}.duckdb",
                no_dbt_here,
            )
            for i, w in enumerate(warms)
        ]
        for client in clients:
            out, _ = client.communicate(timeout=180)
            assert client.returncode == 0, out
        assert [_answer(tmp_path / f"{i}.duckdb") for i in range(2)] == [0, 1]
        assert [w.process.wait(10) for w in warms] == [0, 0]  # each served one build
    finally:
        for w in warms:
            w.stop()


def test_the_socket_is_private(warm):
    assert warm.folder.stat().st_mode & 0o777 == 0o700


@pytest.mark.skipif(not AS_ANOTHER_USER, reason="needs root and a system python3 to connect as another user")
def test_another_users_connection_is_refused(tmp_path, no_dbt_here, warm):
    """Even through an opened folder: the warm process reads its peer's uid and drops it unanswered; then serves
    its own user's build."""
    os.kill(warm.process.pid, signal.SIGSTOP)  # the other user's connection queued first
    warm.folder.chmod(0o755)
    os.chmod(warm.socket_path, 0o777)
    other = subprocess.Popen(
        [OTHER_PYTHON, "-c", _ANOTHER_USER, warm.socket_path], user=65534, stdout=subprocess.PIPE, text=True
    )
    time.sleep(1)
    os.kill(warm.process.pid, signal.SIGCONT)
    assert other.communicate(timeout=60)[0].strip() == "no answer"
    code, out = _build(
        _project(tmp_path / "p", "select 9 as x"), warm.socket_path, tmp_path / "w.duckdb", no_dbt_here
    )
    assert code == 0, out
    assert _answer(tmp_path / "w.duckdb") == 9


# connects as another user and asks for a build as assets.dbt.warm.send_request does: prints what came back
_ANOTHER_USER = f"""
import json, socket, struct, sys
conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
conn.connect(sys.argv[1])
payload = json.dumps({{"argv": ["run"], "cwd": "/", "env": {{}}, "umask": 18}}).encode()
socket.send_fds(conn, [struct.pack("!I", len(payload))], [0, 1, 2])
conn.sendall(payload)
try:
    print("ready" if conn.recv(1) == {READY!r} else "no answer")
except OSError:  # reset: closed with the request unread
    print("no answer")
"""


@pytest.mark.skipif(not AS_ANOTHER_USER, reason="needs root and a system python3 to listen as another user")
def test_the_client_refuses_a_server_of_another_user():
    """A socket whose listener is another user's gets no request (nor this process's descriptors)."""
    folder = Path(tempfile.mkdtemp(prefix="c360-test-"))
    folder.chmod(0o777)
    path = folder / "dbt.sock"
    listener = subprocess.Popen(
        [OTHER_PYTHON, "-c", _LISTEN_AS_ANOTHER_USER, str(path)],
        user=65534,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert listener.stdout.readline().strip() == "listening"
        assert hand_over(str(path), ["run"], ready_timeout=5) is None
        assert listener.stdout.readline().strip() == "got 0 bytes"
    finally:
        listener.kill()
        listener.wait()
        shutil.rmtree(folder)


_LISTEN_AS_ANOTHER_USER = """
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o777); s.listen(1)
print("listening", flush=True)
conn, _ = s.accept()
conn.settimeout(10)
data = b""
try:
    while chunk := conn.recv(4096):
        data += chunk
except OSError:
    pass
print(f"got {len(data)} bytes", flush=True)
"""


_SOCKETS: list[str | None] = []


@dg.op(name=DBT_STEP)
def _dbt_step_failing_before_dbt() -> None:
    _SOCKETS.append(os.environ.get(WARM_DBT_SOCKET))
    raise RuntimeError("failed before dbt ran")


@dg.op
def _other_step() -> None:
    _SOCKETS.append(os.environ.get(WARM_DBT_SOCKET))


def _warm_job() -> dg.JobDefinition:
    @dg.job(executor_def=guarded_in_process_executor)
    def warm_job() -> None:
        _dbt_step_failing_before_dbt()

    return warm_job


def _cold_job() -> dg.JobDefinition:
    @dg.job(executor_def=guarded_in_process_executor)
    def cold_job() -> None:
        _other_step()

    return cold_job


def _warm_servers() -> list[psutil.Process]:
    return [p for p in psutil.Process().children(recursive=True) if "assets.dbt.warm_server" in p.cmdline()]


def _stored_linkage_state(data: Path) -> None:
    """A stored linkage state as model.json names one (assets/link/io.py): what tells a night links incrementally."""
    state = data / "linkage" / "state"
    state.mkdir(parents=True)
    (state / "record_digests.parquet").write_bytes(b"")
    parts = {"record_digests": [{"file": "record_digests.parquet", "rows": 0}]}
    (state / "model.json").write_text(json.dumps({"parts": parts}), encoding="utf-8")


def test_the_nightly_executor_warms_dbt_for_an_incremental_run_with_the_dbt_step_and_ends_it_with_the_run(
    tmp_path, monkeypatch
):
    data = tmp_path / "data"
    monkeypatch.setenv("C360_DATA_DIR", str(data))
    _SOCKETS.clear()
    with dg.DagsterInstance.ephemeral() as instance:
        with dg.execute_job(dg.reconstructable(_warm_job), instance=instance, raise_on_error=False) as result:
            assert not result.success
        _stored_linkage_state(data)
        with dg.execute_job(dg.reconstructable(_warm_job), instance=instance, raise_on_error=False) as result:
            assert not result.success
        with dg.execute_job(dg.reconstructable(_cold_job), instance=instance) as result:
            assert result.success
    first_night, warmed, cold = _SOCKETS
    assert first_night is None  # no stored state: the night links everything, the run's memory peak
    assert warmed is not None and cold is None  # only a run that builds the marts starts one
    assert not Path(warmed).parent.exists()  # its folder removed, the run having failed
    assert _warm_servers() == []  # and its process ended
    assert WARM_DBT_SOCKET not in os.environ


def test_a_full_relink_starts_no_warm_process(tmp_path):
    layout = DataLayout(root=tmp_path / "data", landing=str(tmp_path / "landing"), config_dir=Path("config"))
    assert not warm_dbt_pays(layout, links_everything=False)  # a first night
    _stored_linkage_state(layout.root)
    assert warm_dbt_pays(layout, links_everything=False)
    assert not warm_dbt_pays(layout, links_everything=True)  # --full-refresh or --refit
    assert links_everything({"ops": {"link": {"config": {"full_refresh": True}}}})
    assert links_everything({"ops": {"link": {"config": {"refit": True}}}})
    assert not links_everything({"ops": {"link": {"config": {"full_refresh": False}}}})
    assert not links_everything({})
