"""Structured logs: JSON lines for every Dagster log record, and a failed run explained in one place.

- `JsonFormatter`: one JSON object per line (ts, level, logger, message, run_id, job, step, event), for
  `dagster.yaml`'s `python_logs.dagster_handler_config` or any `logging` handler.
- `json_logger`: a Dagster logger definition writing those lines to stderr (and a file if configured).
- `JsonLinesFileHandler`: the handler `dagster.yaml`'s `python_logs` installs, so every run's log records
  also land in `<data>/logs/dagster.jsonl` for a log shipper.
- `failure_summary(events)`: which step, file or check failed and what to do, as plain dicts.
- `run_failure_log_sensor`: on every failed run, writes the summary to `<data>/logs/failures.jsonl` and the
  sensor log, so the morning check is one file / one UI page.
"""

import datetime as dt
import json
import logging
import re
import sys
from collections.abc import Iterable
from pathlib import Path

import dagster as dg

from assets.layout import DataLayout
from assets.settings import Settings, settings_from_env

_STANDARD = set(vars(logging.makeLogRecord({})))


class JsonFormatter(logging.Formatter):
    """A log record as one JSON line; Dagster's run/step context lifted to top-level keys."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": _message(record),
        }
        meta = getattr(record, "dagster_meta", None) or {}
        for key, name in (
            ("run_id", "run_id"),
            ("job_name", "job"),
            ("step_key", "step"),
            ("orig_message", None),
        ):
            if name and meta.get(key):
                entry[name] = meta[key]
        event = meta.get("dagster_event")
        if event is not None:
            entry["event"] = getattr(event, "event_type_value", str(event))
            entry.update(_event_fields(event))
        for key, value in vars(record).items():  # `extra=` fields
            if key not in _STANDARD and not key.startswith("dagster") and key not in {"message", "asctime"}:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _event_fields(event: object) -> dict[str, object]:
    """The asset, partition and check verdict of a materialisation or check evaluation, as top-level keys."""
    data = getattr(event, "event_specific_data", None)
    check = getattr(event, "asset_check_evaluation_data", None) if entry_is_check(event) else None
    if check is not None:
        return {"asset": check.asset_key.to_user_string(), "check": check.check_name, "passed": check.passed,
                "severity": check.severity.value, "description": check.description or "",
                **({"partition": check.partition} if getattr(check, "partition", None) else {})}  # fmt: skip
    materialization = getattr(data, "materialization", None)
    if materialization is not None:
        return {"asset": materialization.asset_key.to_user_string(),
                **({"partition": materialization.partition} if materialization.partition else {})}  # fmt: skip
    return {}


def entry_is_check(event: object) -> bool:
    return getattr(event, "event_type_value", "") == "ASSET_CHECK_EVALUATION"


def _message(record: logging.LogRecord) -> str:
    meta = getattr(record, "dagster_meta", None) or {}
    return str(meta.get("orig_message") or record.getMessage())


def json_handler(
    stream: object = None, path: Path | None = None, level: int = logging.INFO
) -> logging.Handler:
    if path:
        path.parent.mkdir(parents=True, exist_ok=True)
    handler = (
        logging.FileHandler(path, encoding="utf-8") if path else logging.StreamHandler(stream or sys.stderr)
    )
    handler.setFormatter(JsonFormatter())
    handler.setLevel(level)
    return handler


# Dagster's structured events are logged at DEBUG; these are the ones an operator's log shipper needs.
RUN_EVENTS = frozenset(
    {
        "RUN_START", "RUN_SUCCESS", "RUN_FAILURE", "RUN_CANCELED",
        "STEP_START", "STEP_SUCCESS", "STEP_FAILURE", "STEP_UP_FOR_RETRY", "STEP_SKIPPED",
        "ASSET_MATERIALIZATION", "ASSET_CHECK_EVALUATION",
    }
)  # fmt: skip


class JsonLinesFileHandler(logging.Handler):
    """JSON lines appended to `path` (default `<C360_DATA_DIR>/logs/dagster.jsonl`), opened on the first record:
    an instance whose data directory does not exist yet still starts.

    Keeps records at `level` and above, plus the Dagster events named in `events` whatever their level (run and
    step starts and ends, materialisations, check evaluations), so a run is traceable from the file alone."""

    def __init__(
        self, path: str = "", level: int | str = logging.INFO, events: Iterable[str] = RUN_EVENTS
    ) -> None:
        super().__init__(logging.DEBUG)
        self.setLevel(level)
        self.events = frozenset(events)
        self.path = path
        self._file: logging.Handler | None = None

    def target(self) -> Path:
        return Path(self.path) if self.path else settings_from_env().layout().root / "logs" / "dagster.jsonl"

    def setLevel(self, level: int | str) -> None:
        """`level` (dagster.yaml's handler config) is the floor for plain records; Dagster's events, logged at
        DEBUG, still reach `emit`, which keeps the ones in `events`."""
        self.min_level = logging.getLevelName(level) if isinstance(level, str) else level
        super().setLevel(logging.DEBUG)

    def wanted(self, record: logging.LogRecord) -> bool:
        if record.levelno >= self.min_level:
            return True
        event = (getattr(record, "dagster_meta", None) or {}).get("dagster_event")
        return event is not None and event.event_type_value in self.events

    def emit(self, record: logging.LogRecord) -> None:
        if not self.wanted(record):
            return
        if self._file is None:
            self._file = json_handler(path=self.target(), level=logging.DEBUG)
        self._file.emit(record)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        super().close()


@dg.logger(
    config_schema={
        "log_level": dg.Field(str, default_value="INFO", is_required=False),
        "path": dg.Field(
            str, default_value="", is_required=False, description="also append JSON lines to this file"
        ),
    },
    description="JSON-lines logs (stderr, and a file when `path` is set).",
)
def json_logger(init_context: dg.InitLoggerContext) -> logging.Logger:
    level = logging.getLevelName(init_context.logger_config["log_level"].upper())
    logger = logging.getLogger("customer360")
    logger.setLevel(level)
    logger.handlers.clear()
    logger.addHandler(json_handler(level=level))
    if init_context.logger_config["path"]:
        logger.addHandler(json_handler(path=Path(init_context.logger_config["path"]), level=level))
    logger.propagate = False
    return logger


# --- explaining failures ------------------------------------------------------------------------

_FILE = re.compile(r"(?:[\w./=-]+/)?[\w.=-]+\.(?:csv|tsv|xlsx|jsonl?|parquet|gz|txt|duckdb)\b", re.IGNORECASE)


def _advice(kind: str, step: str, message: str) -> str:
    text = message.lower()
    if kind == "check" and message.startswith("dbt test"):
        return (
            "see the failing rows with `dbt test --select <test>` in dbt_project/; fix the model or the data"
        )
    if kind == "check":
        return "fix the input or the config named above, then re-execute"
    if "sources.yaml" in text or "linkage.yaml" in text or "delivery.yaml" in text or "config" in step:
        return "fix the named key in the config file (the message names file, key and fix), then re-execute"
    if "lock" in text and "duckdb" in text:
        return "another process holds the warehouse: wait for the running dbt/delivery step, then re-execute"
    if "dbt" in step or "dbt" in text:
        return "open the dbt step log for the failing model/test; fix the model or the data, then re-execute"
    if step.startswith(("raw", "bronze")) or _FILE.search(message):
        return (
            "fix or re-deliver the named file (see the manifest's error column), then re-execute from failure"
        )
    return "open the step's log in the Dagster UI (Runs → this run) and re-execute from failure once fixed"


def failure_summary(events: Iterable[dg.DagsterEvent]) -> list[dict[str, str]]:
    """One dict per failed step or failed check: what, where (file when named), why, and what to do."""
    out: list[dict[str, str]] = []
    for event in events:
        if event.is_step_failure:
            error = event.step_failure_data.error
            if error and error.cls_name == "DagsterAssetCheckFailedError":
                continue  # a blocking check: its own evaluation below says what failed
            message = error.message.strip() if error else "unknown error"
            cause = error.cause if error else None
            while cause is not None:  # the user code's exception is usually the innermost
                message = cause.message.strip()
                cause = cause.cause
            step = event.step_key or ""
            files = _FILE.findall(message)
            out.append(
                {"kind": "step", "step": step, "file": files[0] if files else "", "error": message,
                 "what_to_do": _advice("step", step, message)}
            )  # fmt: skip
        elif event.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION:
            data = event.asset_check_evaluation_data
            if data.passed:
                continue
            description = data.description or _undescribed_check(data)
            out.append(
                {"kind": "check", "step": event.step_key or "", "check": f"{data.asset_key.to_user_string()}:{data.check_name}",
                 "severity": data.severity.value, "file": "", "error": description,
                 "what_to_do": _advice("check", event.step_key or "", description)}
            )  # fmt: skip
    return out


def _undescribed_check(data: object) -> str:
    """dagster-dbt's test results carry no description: say which test, on what, and how many rows failed."""
    metadata = data.metadata or {}
    failed = getattr(metadata.get("dagster_dbt/failed_row_count"), "value", None)
    status = getattr(metadata.get("status"), "value", None) or "failed"
    rows = f"{failed} failing row{'s' if failed != 1 else ''}" if failed is not None else status
    what = "dbt test" if "dagster_dbt/failed_row_count" in metadata or "unique_id" in metadata else "check"
    return f"{what} {data.check_name} on {data.asset_key.to_user_string()}: {rows}"


def format_failures(summary: list[dict[str, str]]) -> list[str]:
    """Human lines for a terminal (`customer360 run`): `FAILED|WARNING <where>: <error> → <what to do>`."""
    lines = []
    for item in summary:
        where = item.get("check") or item["step"]
        file = f" [{item['file']}]" if item.get("file") else ""
        label = "WARNING" if item.get("severity") == "WARN" else "FAILED"
        lines.append(f"{label} {where}{file}: {item['error']} → {item['what_to_do']}")
    return lines


@dg.run_failure_sensor(
    name="run_failure_log_sensor",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Explains every failed run in <data>/logs/failures.jsonl: which step/file/check and what to do.",
)
def run_failure_log_sensor(context: dg.RunFailureSensorContext, settings: Settings) -> None:
    records = context.instance.all_logs(context.dagster_run.run_id)
    events = [r.dagster_event for r in records if r.dagster_event is not None]
    summary = failure_summary(events)
    run = context.dagster_run
    record_failures(
        settings.layout(),
        summary or [{"kind": "run", "error": context.failure_event.message or "run failed"}],
        run_id=run.run_id,
        job=run.job_name,
        partition=run.tags.get("dagster/partition", ""),
    )
    for line in format_failures(summary):
        context.log.error(line)


def record_failures(
    layout: DataLayout, summary: list[dict[str, str]], run_id: str, job: str, partition: str
) -> Path:
    """Append a run's failures (from `failure_summary`) to `<data>/logs/failures.jsonl`; daemon and CLI runs alike."""
    path = layout.root / "logs" / "failures.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as out:
        for item in summary:
            entry = {"ts": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "run_id": run_id,
                     "job": job, "partition": partition, **item}  # fmt: skip
            out.write(json.dumps(entry, ensure_ascii=False) + "\n")
    return path
