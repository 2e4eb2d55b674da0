"""What `customer360 run` shows while the job runs: one line per finished stage, a bar on long stages.

`RunProgress` is a logging handler on the run's Dagster log records: step starts/ends move the stage counters,
materialisations and check evaluations inside the dbt step move the dbt bar (models and tests done of
those planned). Everything
else (dbt's own output, Dagster's info lines) belongs to the log file, not the terminal.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterable
from typing import TextIO

STAGES = {  # first part of a step key → what a user calls the stage
    "privacy": "erasure",
    "raw": "ingest",
    "bronze": "validate",
    "ops": "ingest bookkeeping",
    "source_freshness_checks": "freshness checks",
    "standardise": "standardise",
    "link": "link",
    "linkage": "linkage checks",
    "customer360_dbt_assets": "dbt marts",
    "delivery": "delivery",
    "report": "run report",
}
BAR_WIDTH = 24


def stage_of(step_key: str) -> str:
    head = step_key.split("__")[0].split("[")[0]
    return STAGES.get(head, head)


def bar(done: int, total: int, width: int = BAR_WIDTH) -> str:
    filled = round(width * done / total) if total else width
    return "[" + "#" * filled + "." * (width - filled) + f"] {done}/{total}"


class RunProgress(logging.Handler):
    """Prints stage lines to `out`; on a terminal, a bar redrawn in place for the stage in progress."""

    def __init__(self, step_keys: Iterable[str], out: TextIO, dbt_nodes: int = 0, live: bool | None = None):
        super().__init__(logging.DEBUG)
        self.planned = Counter(stage_of(k) for k in step_keys)
        self.finished: Counter[str] = Counter()
        self.failed: set[str] = set()
        self.started_at: dict[str, float] = {}  # per step key
        self.spent: Counter[str] = Counter()  # per stage: the sum of its steps' times, not the span (its
        # steps need not run back to back: the review queue runs before dbt, its status after)
        self.dbt_total, self.dbt_done = dbt_nodes, 0
        self.out = out
        self.live = out.isatty() if live is None else live
        self.lines: list[str] = []

    def _write(self, line: str, final: bool) -> None:
        if self.live:
            self.out.write("\r\033[K" + line + ("\n" if final else ""))
            self.out.flush()
        elif final:
            self.out.write(line + "\n")
            self.out.flush()
        if final:
            self.lines.append(line)

    def emit(self, record: logging.LogRecord) -> None:
        event = (getattr(record, "dagster_meta", None) or {}).get("dagster_event")
        if event is None or not event.step_key:
            return
        stage, kind = stage_of(event.step_key), event.event_type_value
        if kind == "STEP_START":
            self.started_at[event.step_key] = time.monotonic()
            if stage == "dbt marts" and self.dbt_total:
                self._write(f"  {stage:<20} {bar(0, self.dbt_total)}", final=False)
        elif (
            kind in {"ASSET_MATERIALIZATION", "ASSET_CHECK_EVALUATION"}
            and stage == "dbt marts"
            and self.dbt_total
        ):
            self.dbt_done = min(self.dbt_done + 1, self.dbt_total)
            self._write(f"  {stage:<20} {bar(self.dbt_done, self.dbt_total)}", final=False)
        elif kind in {"STEP_SUCCESS", "STEP_FAILURE"}:
            self.finished[stage] += 1
            now = time.monotonic()
            self.spent[stage] += now - self.started_at.pop(event.step_key, now)
            if kind == "STEP_FAILURE":
                self.failed.add(stage)
            done, total = self.finished[stage], self.planned.get(stage, 1)
            if done >= total:
                seconds = self.spent[stage]
                mark = "FAILED" if stage in self.failed else "ok"
                count = f"{total} steps" if total > 1 else "1 step"
                self._write(f"  {stage:<20} {mark:<6} {count:>9} {seconds:6.1f} s", final=True)
            elif self.live:
                self._write(f"  {stage:<20} {bar(done, total)}", final=False)
