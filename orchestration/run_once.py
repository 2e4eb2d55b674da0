"""Run the nightly job in-process against the Dagster instance, and summarise what this run produced.

The terminal gets per-stage progress (orchestration/progress.py); Dagster's records go as JSON lines to
`<data>/logs/dagster.jsonl` and dbt's own output to `<data>/logs/cli/<run_id>.log`. Like a daemon-launched
run, a CLI run leaves a `run` entry in the audit log and, when it fails, its explanation in
`<data>/logs/failures.jsonl`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import sys
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from assets.layout import DataLayout

# `customer360 run --full-refresh`: every record re-linked (stored model) and the incremental marts rebuilt whole
FULL_REFRESH_OPS = {
    "link": {"config": {"full_refresh": True}},
    "customer360_dbt_assets": {"config": {"full_refresh": True}},
}


def refresh_ops(full_refresh: bool, refit: bool) -> dict:
    """Run config of `--full-refresh` / `--refit`: a refit re-links with a new model, the marts stay incremental."""
    ops: dict = {"link": {"config": {"full_refresh": full_refresh, "refit": refit}}}
    return {**FULL_REFRESH_OPS, **ops} if full_refresh else ops


def quiet_warnings() -> None:
    """Dagster's Beta/Preview/Supersession warnings are for code authors, not for someone running the job."""
    from dagster_shared.utils.warnings import BetaWarning, PreviewWarning, SupersessionWarning

    for category in (BetaWarning, PreviewWarning, SupersessionWarning, DeprecationWarning, FutureWarning):
        warnings.filterwarnings("ignore", category=category)


@dataclass
class RunOutcome:
    run_id: str
    success: bool
    started: dt.datetime
    seconds: float
    log_file: Path
    failures: list[dict[str, str]] = field(default_factory=list)


def _handler_logger(name: str, handlers: list[logging.Handler]):
    import dagster as dg

    @dg.logger(description=f"customer360 run: {name}")
    def _init(_: dg.InitLoggerContext) -> logging.Logger:
        logger = logging.getLogger(f"customer360.cli.{name}")
        logger.handlers[:] = handlers
        logger.setLevel(logging.DEBUG)
        logger.propagate = False
        return logger

    return _init


def run_nightly(
    partition: str,
    layout: DataLayout,
    out: TextIO | None = None,
    full_refresh: bool = False,
    refit: bool = False,
) -> RunOutcome:
    """Execute the nightly job for `partition`; progress to `out`, everything else to the log files.

    `full_refresh`: re-link every record with the stored model and rebuild the incremental marts whole;
    `refit`: re-link with a refitted model (the run config of the link and dbt assets, refresh_ops).
    `out` defaults to a duplicate of the terminal's stderr taken now, before Dagster captures the steps' output."""
    own_out = out is None
    out = os.fdopen(os.dup(sys.stderr.fileno()), "w", buffering=1) if out is None else out
    quiet_warnings()

    from assets.background import background_run
    from assets.dbt.defs import customer360_dbt_assets, warm_dbt_pays, warm_up_parse
    from assets.dbt.warm import warm_dbt
    from assets.frozen_heap import frozen_heap
    from orchestration.definitions import defs
    from orchestration.event_log_sync import held_event_log
    from orchestration.executor import planned_background_work
    from orchestration.instance import open_instance
    from orchestration.jobs import NIGHTLY_JOB
    from orchestration.logging import RUN_EVENTS, JsonLinesFileHandler, failure_summary, record_failures
    from orchestration.progress import RunProgress
    from orchestration.run_guard import guarded_run

    job = defs.resolve_job_def(NIGHTLY_JOB)
    dbt_nodes = len(customer360_dbt_assets.keys) + len(customer360_dbt_assets.check_keys)
    progress = RunProgress([n.name for n in job.graph.nodes], out, dbt_nodes=dbt_nodes)
    events = JsonLinesFileHandler(str(layout.root / "logs" / "dagster.jsonl"), events=RUN_EVENTS)
    run_id = str(uuid.uuid4())
    log_file = layout.root / "logs" / "cli" / f"{run_id}.log"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    started = dt.datetime.now(dt.UTC)

    def say(line: str) -> None:
        out.write(f"customer360 run: {line}\n")

    with (
        open_instance() as instance,  # created one process at a time
        guarded_run(instance, layout.root, layout.warehouse, run_id, say),  # the run guard daemon runs share
        # dbt made ready beside ingest and linkage on an incremental night (assets/dbt/warm.py)
        warm_dbt(incremental := warm_dbt_pays(layout, full_refresh or refit), warm_up_parse(layout)),
        # work done ahead on the second core (assets/background.py)
        background_run(planned_background_work(layout, incremental, partition)),
        log_file.open("a", encoding="utf-8") as text_log,
        contextlib.redirect_stdout(text_log),  # dbt's output and anything else printed by the steps
        frozen_heap(),  # the collection after each step skips what the whole run keeps
        held_event_log(instance, run_id),  # the run's planned events too (orchestration/event_log_sync.py)
    ):
        loggers = {"progress": _handler_logger("progress", [progress])}
        if not any(isinstance(h, JsonLinesFileHandler) for h in instance.get_handlers()):
            loggers["jsonl"] = _handler_logger("jsonl", [events])  # the instance's dagster.yaml has none
        result = job.with_logger_defs(loggers).execute_in_process(
            instance=instance,
            partition_key=partition,
            raise_on_error=False,
            run_id=run_id,
            tags={"customer360/trigger": "cli"},
            run_config={
                "loggers": {key: {} for key in loggers},
                **({"ops": refresh_ops(full_refresh, refit)} if full_refresh or refit else {}),
            },
        )
    events.close()
    if own_out:
        out.close()
    failures = failure_summary(result.all_events)
    outcome = RunOutcome(
        run_id,
        result.success,
        started,
        (dt.datetime.now(dt.UTC) - started).total_seconds(),
        log_file,
        failures,
    )
    record_cli_run(layout, outcome, partition)
    if failures:
        record_failures(layout, failures, run_id=run_id, job=NIGHTLY_JOB, partition=partition)
    return outcome


def record_cli_run(layout: DataLayout, outcome: RunOutcome, partition: str) -> None:
    """The same `run` audit entry the run status sensors write for daemon-launched runs."""
    from assets.privacy.audit import record_event
    from orchestration.jobs import NIGHTLY_JOB

    record_event(
        layout,
        "run",
        NIGHTLY_JOB,
        run_id=outcome.run_id,
        details={
            "status": "success" if outcome.success else "failure",
            "partition": partition,
            "trigger": "cli",
            "seconds": round(outcome.seconds, 1),
        },
    )
