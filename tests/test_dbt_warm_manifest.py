"""The warm-up's manifest is handed to the build only when the build would parse what the warm-up parsed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb

from assets.dbt.warm import WARM_DBT_SOCKET, WarmDbt
from assets.dbt.warm_manifest import ParseInputs, refusal, warm_up_inputs

VARS = '{"night": 1}'


def _project(root: Path, model_sql: str) -> Path:
    """A dbt project of one table model, its DuckDB file named by the C360_TEST_DB environment variable."""
    (root / "models").mkdir(parents=True)
    (root / "dbt_project.yml").write_text(
        "name: warm_test\nversion: '1.0'\nprofile: warm_test\nmodels: {warm_test: {+materialized: table}}\n"
    )
    (root / "profiles.yml").write_text(
        "warm_test:\n  target: dev\n  outputs:\n"
        "    dev: {type: duckdb, path: \"{{ env_var('C360_TEST_DB') }}\", threads: 1}\n"
    )
    (root / "models" / "answer.sql").write_text(model_sql)
    return root


def _warm_up_args(project: Path, folder: Path) -> list[str]:
    where = ["--project-dir", str(project), "--profiles-dir", str(project)]
    return ["parse", "--vars", VARS, *where, "--target-path", str(folder), "--log-path", str(folder)]


def _inputs(project: Path, env: dict[str, str]) -> ParseInputs:
    inputs = warm_up_inputs(_warm_up_args(project, project / "target" / "warm"), env)
    assert inputs is not None
    return inputs


def _build_env(project: Path, base: dict[str, str]) -> dict[str, str]:
    """What dagster-dbt and the hand-over add for a build."""
    return {
        **base,
        "DBT_PROFILES_DIR": str(project),
        "DBT_PROJECT_DIR": str(project),
        "DBT_TARGET_PATH": "target/build-1",
        "DBT_LOG_PATH": "target/build-1",
        "DBT_LOG_FORMAT": "json",
        "PYTHONUNBUFFERED": "1",
        WARM_DBT_SOCKET: "/tmp/x/dbt.sock",
    }


BUILD = ["build", "--vars", VARS, "--select", "fqn:*", "--exclude", "test_name:unique", "test_name:not_null"]


def test_a_build_of_the_same_project_vars_and_environment_takes_the_warm_ups_manifest(tmp_path):
    project = _project(tmp_path / "p", "select 1 as x")
    inputs = _inputs(project, {"C360_TEST_DB": "/w.duckdb", "PYTHONWARNINGS": "ignore"})
    env = _build_env(project, {"C360_TEST_DB": "/w.duckdb"})
    assert refusal(inputs, {}, BUILD, env, str(project)) is None
    assert refusal(inputs, {}, [*BUILD, "--full-refresh", "--threads", "1"], env, str(project)) is None


def test_a_build_that_would_parse_something_else_parses_for_itself(tmp_path):
    project = _project(tmp_path / "p", "select 1 as x")
    base = {"C360_TEST_DB": "/w.duckdb"}
    inputs = _inputs(project, base)
    env = _build_env(project, base)
    cwd = str(project)
    assert refusal(inputs, {}, ["run", *BUILD[1:]], env, cwd) == "not a build"
    assert refusal(inputs, {}, ["build", "--vars", '{"night": 2}'], env, cwd) == "other vars"
    assert refusal(inputs, {}, ["build"], env, cwd) == "other vars"
    assert refusal(inputs, {}, [*BUILD, "--target", "prod"], env, cwd) == "an option that is not a selection"
    assert refusal(inputs, {}, BUILD, {**env, "C360_TEST_DB": "/other.duckdb"}, cwd) == "another environment"
    assert refusal(inputs, {}, BUILD, {**env, "C360_NEW": "1"}, cwd) == "another environment"
    assert (
        refusal(inputs, {}, BUILD, {**env, "DBT_PROJECT_DIR": str(tmp_path)}, cwd) == "another project folder"
    )
    no_profiles = {k: v for k, v in env.items() if k != "DBT_PROFILES_DIR"}
    assert refusal(inputs, {}, BUILD, no_profiles, cwd) == "another profiles folder"
    read = {"DBT_TARGET_PATH": "target/warm"}
    assert refusal(inputs, read, BUILD, env, cwd) == "the project reads a variable set per build"
    assert refusal(inputs, {}, BUILD, env, cwd) is None
    time.sleep(0.01)
    (project / "models" / "answer.sql").write_text("select 2 as x")
    assert refusal(inputs, {}, BUILD, env, cwd) == "the project's files changed"
    (project / "models" / "other.sql").write_text("select 3 as y")
    assert refusal(_inputs(project, base), {}, BUILD, env, cwd) is None
    (project / "models" / "other.sql").unlink()
    assert refusal(inputs, {}, BUILD, env, cwd) == "the project's files changed"


def test_the_projects_own_output_folders_are_not_its_inputs(tmp_path):
    project = _project(tmp_path / "p", "select 1 as x")
    inputs = _inputs(project, {})
    (project / "target" / "build-1").mkdir(parents=True)
    (project / "logs").mkdir()
    (project / "logs" / "dbt.log").write_text("x")
    assert refusal(inputs, {}, BUILD, _build_env(project, {}), str(project)) is None


def _client_build(project: Path, socket_path: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """quick_exit as dagster-dbt starts it for a build, handed to the warm process behind `socket_path`."""
    build_env = {**_build_env(project, env), WARM_DBT_SOCKET: socket_path}
    return subprocess.run(
        [sys.executable, "-m", "assets.dbt.quick_exit", *BUILD[:3]],
        cwd=project, env=build_env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def _warm(project: Path, tmp_path: Path, monkeypatch) -> tuple[WarmDbt, dict[str, str]]:
    """A warm process whose warm-up parsed `project`, waited for until its parse is written."""
    env = {"C360_TEST_DB": str(tmp_path / "w.duckdb")}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv(WARM_DBT_SOCKET, raising=False)
    folders: list[Path] = []
    warm = WarmDbt(warm_up=lambda folder: folders.append(folder) or _warm_up_args(project, folder))
    deadline = time.monotonic() + 120
    while not (folders[0] / "manifest.json").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert (folders[0] / "manifest.json").exists()
    time.sleep(0.5)  # the warm-up's own end (its parse kept, its objects collected)
    return warm, {**os.environ, **env}


def _answer(db: Path) -> int:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute("select x from answer").fetchone()[0]


def test_the_build_handed_the_warm_ups_manifest_neither_parses_nor_writes_it_before_its_nodes(
    tmp_path, monkeypatch
):
    project = _project(tmp_path / "p", "select 45 as x")
    warm, env = _warm(project, tmp_path, monkeypatch)
    try:
        run = _client_build(project, warm.socket_path, env)
    finally:
        warm.stop()
    assert run.returncode == 0, run.stdout + run.stderr
    assert _answer(tmp_path / "w.duckdb") == 45
    log = (project / "target" / "build-1" / "dbt.log").read_text()
    assert "the build parses the project itself" not in run.stdout + run.stderr, run.stdout + run.stderr
    assert "PartialParsing" not in log and "Unable to do partial parsing" not in log  # it did not parse
    assert log.count('"WritableManifest"') == 1  # the manifest written once, with the run results
    assert (project / "target" / "build-1" / "run_results.json").exists()


def test_a_model_changed_after_the_warm_up_is_built_as_changed(tmp_path, monkeypatch):
    """Red without the files' check: the build took the warm-up's manifest, with the model's old SQL (46)."""
    project = _project(tmp_path / "p", "select 46 as x")
    warm, env = _warm(project, tmp_path, monkeypatch)
    try:
        (project / "models" / "answer.sql").write_text("select 47 as x")
        run = _client_build(project, warm.socket_path, env)
    finally:
        warm.stop()
    assert run.returncode == 0, run.stdout + run.stderr
    assert _answer(tmp_path / "w.duckdb") == 47
    assert "the build parses the project itself (the project's files changed)" in run.stdout + run.stderr
