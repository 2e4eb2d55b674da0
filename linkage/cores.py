"""The cores this process may use: its CPU affinity where the platform has one (a container's cpuset, `taskset`),
else the machine's count."""

from __future__ import annotations

import os


def usable_cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
