"""The `customer360` command line: fast help with plain labels, lazily imported commands, one-line errors."""

from __future__ import annotations

import logging
import re
import resource
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from assets.layout import REPO_ROOT
from orchestration.cli import COMMANDS, app
from orchestration.progress import RunProgress, bar, stage_of

VENV_BIN = Path(sys.executable).parent
HEAVY = ("dagster", "pandas", "scipy", "numpy", "duckdb", "sklearn")


def test_help_loads_nothing_heavy_and_answers_within_a_second_of_cpu() -> None:
    probe = (
        "import sys\nfrom orchestration.cli import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        f"print('HEAVY', sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY []" in proc.stdout, proc.stdout[-300:]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(
        [str(VENV_BIN / "customer360"), "--help"], capture_output=True, text=True, timeout=60
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    assert proc.returncode == 0 and "run" in proc.stdout
    assert cpu < 1.0, f"`customer360 --help` used {cpu:.2f} s of CPU"


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_shows_plain_labels(command: str | None) -> None:
    result = CliRunner().invoke(app, [command, "--help"] if command else ["--help"], terminal_width=120)
    assert result.exit_code == 0, result.output
    assert not re.search(r"<(bool|str|int|path|file)>|\{\w+\}", result.output), result.output


def test_every_declared_command_resolves_to_its_module() -> None:
    from orchestration.lazy_cli import load_command

    for name, spec in COMMANDS.items():
        command = load_command(name, spec)
        assert command.name == name and command.help, name


def test_link_help_lists_the_accepted_columns() -> None:
    result = CliRunner().invoke(app, ["link", "--help"], terminal_width=200)
    assert result.exit_code == 0
    for column in ("full_name", "phone_mobile", "email", "birth_date", "客户名称", "First Name"):
        assert column in result.output, column


def test_run_rejects_a_date_before_the_first_partition_in_one_line(tmp_path: Path) -> None:
    proc = subprocess.run(
        [str(VENV_BIN / "customer360"), "run", "--date", "1999-12-31"],
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": str(VENV_BIN), "C360_DATA_DIR": str(tmp_path), "DO_NOT_TRACK": "1"},
    )
    assert proc.returncode == 2
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert lines == [
        "error: --date 1999-12-31 is outside the run_date partitions: before the first, 2020-01-01 — "
        "set C360_PARTITION_START to an earlier date to backfill it"
    ], proc.stderr[-2000:]


def _record(step: str, kind: str) -> logging.LogRecord:
    event = SimpleNamespace(step_key=step, event_type_value=kind)
    return logging.makeLogRecord({"dagster_meta": {"dagster_event": event}})


def test_progress_prints_one_line_per_finished_stage(tmp_path: Path) -> None:
    steps = ["raw__a", "raw__b", "bronze__a", "customer360_dbt_assets"]
    out = (tmp_path / "out.txt").open("w+")
    progress = RunProgress(steps, out, dbt_nodes=4, live=False)
    for step, kind in [
        ("raw__a", "STEP_START"), ("raw__a", "STEP_SUCCESS"), ("raw__b", "STEP_START"),
        ("raw__b", "STEP_SUCCESS"), ("bronze__a", "STEP_START"), ("bronze__a", "STEP_FAILURE"),
        ("customer360_dbt_assets", "STEP_START"), ("customer360_dbt_assets", "ASSET_MATERIALIZATION"),
        ("customer360_dbt_assets", "STEP_SUCCESS"),
    ]:  # fmt: skip
        progress.emit(_record(step, kind))
    out.seek(0)
    lines = out.read().splitlines()
    assert [line.split()[0:2] for line in lines] == [
        ["ingest", "ok"],
        ["validate", "FAILED"],
        ["dbt", "marts"],
    ]
    assert "2 steps" in lines[0]
    assert bar(2, 4, width=8) == "[####....] 2/4"
    assert stage_of("delivery__analyst_parquet") == "delivery"


def test_a_stage_takes_the_time_of_its_own_steps(monkeypatch, tmp_path: Path) -> None:
    """The review queue runs before dbt and its status after: its line must not carry dbt's minutes."""
    clock = iter([0.0, 1.0, 1.0, 61.0, 61.0, 62.5])
    monkeypatch.setattr("orchestration.progress.time.monotonic", lambda: next(clock))
    out = (tmp_path / "out.txt").open("w+")
    progress = RunProgress(["review__queue", "customer360_dbt_assets", "review__status"], out, live=False)
    for step, kind in [
        ("review__queue", "STEP_START"), ("review__queue", "STEP_SUCCESS"),
        ("customer360_dbt_assets", "STEP_START"), ("customer360_dbt_assets", "STEP_SUCCESS"),
        ("review__status", "STEP_START"), ("review__status", "STEP_SUCCESS"),
    ]:  # fmt: skip
        progress.emit(_record(step, kind))
    out.seek(0)
    lines = {line.split()[0]: line for line in out.read().splitlines()}
    assert lines["review"].endswith(" 2.5 s") and lines["dbt"].endswith("60.0 s"), lines


@pytest.mark.slow
@pytest.mark.timeout(1500)  # two runs of the whole job
def test_run_prints_a_short_summary_and_logs_like_a_daemon_run(tmp_path: Path) -> None:
    """`customer360 run` on a small sample: stage lines, this run's figures, marts, next step — no dbt output or
    Dagster warnings on the terminal; the run in the audit log, its records and file outcomes in dagster.jsonl."""
    import json
    import os
    import shutil

    from assets.sample import generate_sample

    data, home = tmp_path / "data", tmp_path / "home"
    home.mkdir()
    shutil.copyfile(REPO_ROOT / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    generate_sample(data, customers=40, seed=5)
    env = {k: v for k, v in os.environ.items() if not k.startswith("C360_")}
    env.update(
        C360_DATA_DIR=str(data), DAGSTER_HOME=str(home), DO_NOT_TRACK="1", DAGSTER_DISABLE_TELEMETRY="1"
    )
    env["PATH"] = f"{VENV_BIN}:{env.get('PATH', '')}"
    proc = subprocess.run(
        [str(VENV_BIN / "customer360"), "run", "--date", "2026-03-02"],
        capture_output=True, text=True, timeout=900, env=env, cwd=REPO_ROOT,
    )  # fmt: skip
    terminal = proc.stdout + proc.stderr
    assert proc.returncode == 0, terminal[-3000:]
    lines = terminal.splitlines()
    assert len(lines) < 45, terminal
    assert not re.search(r"Warning|BetaWarning|SupersessionWarning|Concurrency|OK created", terminal), (
        terminal
    )
    assert any(line.split()[:2] == ["dbt", "marts"] for line in lines)
    assert "run 2026-03-02 succeeded" in terminal
    landed = [p for p in (data / "landing").rglob("*") if p.is_file()]
    sources = {p.relative_to(data / "landing").parts[0] for p in landed}
    expected = f"this run: {len(landed)} files loaded from {len(sources)} sources (0 already seen, 0 failed)"
    assert expected in terminal, terminal
    assert re.search(r"marts\.mart_customer_profile +[\d,]+ rows", terminal) and "['" not in terminal
    assert "next: open" in terminal and "no data yet" not in terminal  # the sample covers every source
    assert "WARNING" not in terminal and "FAILED" not in terminal  # the demo ends green
    log_file = next((data / "logs" / "cli").glob("*.log"))
    assert "dbt" in log_file.read_text()  # dbt's own output went to the log file

    audit = [json.loads(line) for line in (data / "audit" / "audit_log.jsonl").read_text().splitlines()]
    [entry] = [e for e in audit if e["event"] == "run"]
    assert json.loads(entry["details"]) | {"seconds": 0} == {
        "status": "success", "partition": "2026-03-02", "trigger": "cli", "seconds": 0,
    }  # fmt: skip
    records = [json.loads(line) for line in (data / "logs" / "dagster.jsonl").read_text().splitlines()]
    assert {r["run_id"] for r in records} == {entry["run_id"]}
    assert any(r["message"].startswith("file salesforce/") and ": loaded, " in r["message"] for r in records)
    assert sum(r.get("event") == "STEP_SUCCESS" for r in records) >= 20

    # a rerun of the same day: nothing new to load, and this run's figures say so
    again = subprocess.run(
        [str(VENV_BIN / "customer360"), "run", "--date", "2026-03-02"],
        capture_output=True, text=True, timeout=900, env=env, cwd=REPO_ROOT,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr[-2000:]
    assert "this run: 0 files loaded" in again.stdout, again.stdout
