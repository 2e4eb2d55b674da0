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


def test_a_thread_with_no_job_left_takes_the_next_job_of_the_shared_lane() -> None:
    """The masking thread, done with its marts, copies one of DuckDB's instead of idling beside the long copy."""
    small_ran = threading.Event()
    threads: dict[str, str] = {}

    def big() -> str:
        threads["big"] = threading.current_thread().name
        small_ran.wait(10)  # before: `small` queued behind `big` on the same thread, and this waited in vain
        return "big"

    def small() -> str:
        threads["small"] = threading.current_thread().name
        small_ran.set()
        return "small"

    assert run_in_lanes([lambda: "own", big, small], [False, True, True], shared=True) == [
        "own",
        "big",
        "small",
    ]
    assert small_ran.is_set() and threads["small"] != threads["big"]


def test_a_lane_runs_its_costliest_jobs_first_and_results_keep_the_order_asked() -> None:
    ran: list[str] = []
    jobs = [lambda n=n: ran.append(n) or n for n in ("small", "big", "middle")]
    assert run_in_lanes(jobs, [True] * 3, shared=True, cost=[1, 9, 5]) == ["small", "big", "middle"]
    assert ran == ["big", "middle", "small"]


def test_the_shared_lanes_thread_takes_no_job_of_another_lane() -> None:
    """DuckDB's thread never masks: two marts masked at once would queue for the GIL."""
    release = threading.Event()
    threads: dict[str, str] = {}

    def first() -> str:
        threads["first"] = threading.current_thread().name
        release.wait(1)
        return "first"

    def second() -> str:
        threads["second"] = threading.current_thread().name
        return "second"

    def copy() -> str:
        threads["copy"] = threading.current_thread().name
        return "copy"

    assert run_in_lanes([first, second, copy], [False, False, True], shared=True) == [
        "first",
        "second",
        "copy",
    ]
    assert threads["first"] == threads["second"] != threads["copy"]
