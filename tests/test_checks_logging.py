"""orchestration/logging.py: JSON-lines logs and failed runs explained (which file/check, what to do)."""

import json
import logging
from pathlib import Path

import dagster as dg
import pandas as pd

from assets.layout import DataLayout
from assets.settings import Settings
from orchestration.logging import (
    JsonFormatter,
    failure_summary,
    format_failures,
    json_logger,
    run_failure_log_sensor,
)


def _failing_defs(tmp_path: Path) -> dg.Definitions:
    @dg.asset(key=["raw", "fxiaoke"])
    def raw_fxiaoke(context: dg.AssetExecutionContext) -> None:
        context.log.info("reading landing files", extra={"source": "fxiaoke"})
        raise ValueError("fxiaoke/客户_2026-03-02.csv: schema drift: column 手机 missing")

    @dg.asset(key=["linkage", "customer_xref"])
    def xref() -> None:
        pass

    @dg.asset_check(asset=xref, blocking=True)
    def linkage_sanity() -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=False, description="a customer gathers 60 records (max 50)")

    return dg.Definitions(
        assets=[raw_fxiaoke, xref],
        asset_checks=[linkage_sanity],
        jobs=[dg.define_asset_job("nightly")],
        loggers={"json": json_logger},
        resources={"settings": Settings(data_dir=str(tmp_path / "data"))},
    )


def _run(tmp_path: Path, instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    job = _failing_defs(tmp_path).resolve_job_def("nightly")
    log_path = tmp_path / "logs" / "run.jsonl"
    return job.execute_in_process(
        instance=instance,
        raise_on_error=False,
        run_config={"loggers": {"json": {"config": {"path": str(log_path), "log_level": "DEBUG"}}}},
    )


def test_failed_run_names_the_file_the_check_and_what_to_do(tmp_path: Path) -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        result = _run(tmp_path, instance)
    assert not result.success
    summary = {item["kind"]: item for item in failure_summary(result.all_events)}
    step = summary["step"]
    assert step["step"] == "raw__fxiaoke"
    assert step["file"] == "fxiaoke/客户_2026-03-02.csv"
    assert "schema drift" in step["error"] and "re-deliver the named file" in step["what_to_do"]
    check = summary["check"]
    assert check["check"] == "linkage/customer_xref:linkage_sanity" and "60 records" in check["error"]
    lines = format_failures(list(summary.values()))
    assert lines[0].startswith("FAILED raw__fxiaoke [fxiaoke/客户_2026-03-02.csv]: ")


def test_json_logger_writes_one_object_per_line_with_run_context(tmp_path: Path) -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        result = _run(tmp_path, instance)
    lines = (tmp_path / "logs" / "run.jsonl").read_text(encoding="utf-8").splitlines()
    entries = [json.loads(line) for line in lines]  # every line parses
    mine = [e for e in entries if e["message"] == "reading landing files"]
    assert mine and mine[0]["run_id"] == result.run_id and mine[0]["step"] == "raw__fxiaoke"
    assert mine[0]["level"] == "INFO" and mine[0]["job"] == "nightly"
    assert any(e.get("event") == "STEP_FAILURE" for e in entries)


def test_formatter_keeps_extra_fields_and_unicode() -> None:
    record = logging.makeLogRecord(
        {"msg": "加载 %s", "args": ("客户.csv",), "levelname": "WARNING", "source": "fxiaoke"}
    )
    entry = json.loads(JsonFormatter().format(record))
    assert (
        entry["message"] == "加载 客户.csv" and entry["source"] == "fxiaoke" and entry["level"] == "WARNING"
    )


def test_failure_sensor_appends_the_explanation(tmp_path: Path) -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        result = _run(tmp_path, instance)
        failure = next(e for e in result.all_events if e.event_type == dg.DagsterEventType.RUN_FAILURE)
        context = dg.build_run_status_sensor_context(
            sensor_name="run_failure_log_sensor",
            dagster_event=failure,
            dagster_instance=instance,
            dagster_run=result.dagster_run,
            resources={"settings": Settings(data_dir=str(tmp_path / "data"))},
        ).for_run_failure()
        run_failure_log_sensor(context)
    layout = DataLayout(root=tmp_path / "data", landing="", config_dir=tmp_path)
    written = pd.read_json(layout.root / "logs" / "failures.jsonl", lines=True)
    assert set(written["kind"]) == {"step", "check"}
    assert set(written["run_id"]) == {result.run_id}
    assert "fxiaoke/客户_2026-03-02.csv" in set(written["file"])


def test_shipped_instance_config_writes_json_lines(tmp_path: Path, monkeypatch):
    """orchestration/dagster.yaml's python_logs handler: each run record lands in <data>/logs/dagster.jsonl."""
    import yaml

    monkeypatch.setenv("C360_DATA_DIR", str(tmp_path / "data"))
    shipped = yaml.safe_load((Path(__file__).parent.parent / "orchestration/dagster.yaml").read_text())
    with dg.instance_for_test(overrides={"python_logs": shipped["python_logs"]}) as instance:
        result = _run(tmp_path, instance)
    assert not result.success
    lines = [json.loads(line) for line in (tmp_path / "data/logs/dagster.jsonl").read_text().splitlines()]
    assert {line["run_id"] for line in lines} == {result.run_id}
    failure = next(line for line in lines if line.get("event") == "STEP_FAILURE")
    assert failure["step"] == "raw__fxiaoke" and failure["level"] == "ERROR"
    assert any(line["message"] == "reading landing files" for line in lines)


def test_shipped_instance_config_traces_steps_and_check_verdicts(tmp_path: Path, monkeypatch):
    """Dagster logs its step and check events at DEBUG; the file keeps them so a run is traceable from it alone."""
    import yaml

    monkeypatch.setenv("C360_DATA_DIR", str(tmp_path / "data"))
    shipped = yaml.safe_load((Path(__file__).parent.parent / "orchestration/dagster.yaml").read_text())
    with dg.instance_for_test(overrides={"python_logs": shipped["python_logs"]}) as instance:
        _run(tmp_path, instance)
    lines = [json.loads(line) for line in (tmp_path / "data/logs/dagster.jsonl").read_text().splitlines()]
    events = {line.get("event") for line in lines}
    assert {"STEP_START", "STEP_FAILURE", "STEP_SUCCESS", "ASSET_CHECK_EVALUATION"} <= events, events
    verdict = next(line for line in lines if line.get("event") == "ASSET_CHECK_EVALUATION")
    assert verdict["check"] == "linkage_sanity" and verdict["passed"] is False
    assert verdict["asset"] == "linkage/customer_xref" and "60 records" in verdict["description"]
    assert not any(line.get("event") == "STEP_OUTPUT" for line in lines)  # the noise stays out


def test_a_dbt_test_without_description_is_still_explained() -> None:
    @dg.asset
    def dim_customer() -> None:
        pass

    @dg.asset_check(asset=dim_customer)
    def not_null_dim_customer_email() -> dg.AssetCheckResult:  # what dagster-dbt yields: no description
        return dg.AssetCheckResult(
            passed=False,
            severity=dg.AssetCheckSeverity.WARN,
            metadata={"status": "warn", "dagster_dbt/failed_row_count": 3},
        )

    result = dg.materialize([dim_customer], selection=[dim_customer])
    check = dg.materialize([dim_customer, not_null_dim_customer_email], raise_on_error=False)
    [item] = [i for i in failure_summary(check.all_events) if i["kind"] == "check"]
    assert result.success
    assert item["error"] == "dbt test not_null_dim_customer_email on dim_customer: 3 failing rows"
    assert "dbt test --select" in item["what_to_do"]
    assert format_failures([item])[0].startswith("WARNING dim_customer:not_null_dim_customer_email: dbt test")
