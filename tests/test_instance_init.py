"""Commands started together on a fresh DAGSTER_HOME all get their Dagster instance (its SQLite storages are
created one process at a time: orchestration/instance.py)."""

from __future__ import annotations

import os
import subprocess
import sys

from assets.layout import REPO_ROOT

OPEN = (
    "from orchestration.instance import open_instance\nwith open_instance() as i:\n    i.get_runs(limit=1)\n"
)


def test_processes_started_together_all_open_the_instance(tmp_path):
    for attempt in range(2):
        env = {**os.environ, "DAGSTER_HOME": str(tmp_path / f"home{attempt}"), "DO_NOT_TRACK": "1"}
        os.makedirs(env["DAGSTER_HOME"])
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", OPEN], cwd=REPO_ROOT, env=env, stderr=subprocess.PIPE, text=True
            )
            for _ in range(6)
        ]
        errors = [p.communicate(timeout=300)[1] for p in procs]
        failed = [e[-400:] for p, e in zip(procs, errors, strict=True) if p.returncode]
        assert not failed, failed[0]
