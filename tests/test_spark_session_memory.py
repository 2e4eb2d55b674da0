"""The local[N] driver's memory follows the machine (a fixed 4g ran out at 1M records), unless the user chose it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from linkage.spark import session
from linkage.spark.session import local_driver_memory

GIB = 2**30


def test_half_the_machine_within_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("C360_SPARK_DRIVER_MEMORY", raising=False)
    assert local_driver_memory(24 * GIB) == "12288m"
    assert local_driver_memory(6 * GIB) == "4096m"  # never below the old fixed 4g
    assert local_driver_memory(512 * GIB) == "65536m"


def test_the_users_choice_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("C360_SPARK_DRIVER_MEMORY", "6g")
    assert local_driver_memory(24 * GIB) == "6g"


def test_a_container_limit_bounds_the_machine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    machine = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    limit = tmp_path / "memory.max"
    monkeypatch.setattr(session, "CGROUP_LIMIT", str(limit))
    limit.write_text(f"{GIB}\n")
    assert session.machine_memory() == GIB
    limit.write_text("max\n")  # cgroup v2: no limit
    assert session.machine_memory() == machine
    limit.unlink()  # no cgroup v2
    assert session.machine_memory() == machine
