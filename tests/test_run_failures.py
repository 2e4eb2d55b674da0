"""The e2e tests' failure message names each failed step and why it failed (tests/run_failures.py)."""

from __future__ import annotations

import dagster as dg

from tests.run_failures import step_failures


@dg.op
def _fails() -> None:
    raise ValueError("the warehouse is locked")


@dg.op
def _passes() -> None:
    pass


@dg.job
def _half_failing() -> None:
    _fails()
    _passes()


def test_a_failed_step_is_reported_with_its_error():
    result = _half_failing.execute_in_process(raise_on_error=False)
    (failure,) = step_failures(result)
    assert failure.startswith("_fails: ") and "ValueError: the warehouse is locked" in failure


def test_a_successful_run_reports_nothing():
    @dg.job
    def fine() -> None:
        _passes()

    assert step_failures(fine.execute_in_process()) == []
