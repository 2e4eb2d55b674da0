"""Test hook for the crash-injection suite: `C360_TEST_KILL_AT=<stage>` makes the process SIGKILL itself when
a step of that stage starts (ingest, validate, standardise, link, dbt, deliver, erasure, or any part of a step
key such as `raw__crm`). `<stage>+<seconds>` kills that long into the step instead. Unset: does nothing.

Called from `Settings.layout()`, which every asset calls first; outside a Dagster step it never fires.
"""

from __future__ import annotations

import os
import signal
import threading

ENV = "C360_TEST_KILL_AT"
STAGES = {"ingest": "raw__", "validate": "bronze__", "erasure": "privacy__erasure", "deliver": "delivery__"}


def maybe_crash() -> None:
    wanted = os.environ.get(ENV)
    if not wanted:
        return
    import dagster as dg

    try:
        context = dg.OpExecutionContext.get()
    except Exception:  # not inside a step (sensor, CLI command)
        return
    if context is None:
        return
    step = context.op_def.name
    stage, _, delay = wanted.partition("+")
    if STAGES.get(stage, stage) not in step:
        return
    if delay:
        threading.Timer(float(delay), os.kill, (os.getpid(), signal.SIGKILL)).start()
    else:
        os.kill(os.getpid(), signal.SIGKILL)
