"""assets/deliver/concurrent.py: a delivery's marts staged on two lanes (threads), results in the order asked."""

from __future__ import annotations

import threading

import pytest

from assets.deliver.concurrent import run_in_lanes


def test_after_a_failure_the_other_lane_starts_nothing_more_and_the_first_error_is_raised() -> None:
    b_running, failed = threading.Event(), threading.Event()
    ran: list[str] = []

    def a1() -> str:
        b_running.wait(10)
        failed.set()
        raise ValueError("a1 broke")

    def b1() -> str:
        b_running.set()
        failed.wait(10)
        ran.append("b1")
        return "b1"

    def b2() -> str:
        ran.append("b2")
        return "b2"

    with pytest.raises(ValueError, match="a1 broke"):
        run_in_lanes([b1, a1, b2], ["b", "a", "b"])
    assert ran == ["b1"]  # b1 was running: it finished; b2 never started


def test_results_come_back_in_the_order_asked_whatever_lane_finishes_first() -> None:
    late = threading.Event()

    def slow() -> str:
        late.wait(10)
        return "slow"

    def fast() -> str:
        late.set()
        return "fast"

    assert run_in_lanes([slow, fast, lambda: "third"], [0, 1, 1]) == ["slow", "fast", "third"]
