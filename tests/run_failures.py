"""What a failed Dagster run's steps report: the step and its error, for an assertion message a CI log can be read
from (the step's name alone says where, not why)."""

from __future__ import annotations

from typing import Any


def step_failures(result: Any) -> list[str]:
    """`step: error message` of every failed step of an `execute_in_process` / `execute_job` result."""
    out = []
    for event in result.all_events:
        if event.is_step_failure:
            error = getattr(event.event_specific_data, "error", None)
            out.append(
                f"{event.step_key}: {error.to_string() if error is not None else '(no error recorded)'}"
            )
    return out
