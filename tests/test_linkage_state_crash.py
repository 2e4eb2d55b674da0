"""The incremental state (linkage/state/) survives a process killed while writing it: the next night reads
either the old state or the new one, never a mix of the two."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from assets.link.io import read_state, write_state
from linkage.score import Parameters
from linkage.state import LinkageState


def _state(night: int, records: int) -> LinkageState:
    return LinkageState(
        parameters=Parameters(
            m={"email": np.array([0.1, 0.9])}, u={"email": np.array([0.99, 0.01])}, prior=0.01
        ),
        level_shares={"email": [0.2, 0.8]},
        digests=pd.DataFrame(
            {
                "source": ["crm"] * records,
                "source_record_id": [str(i) for i in range(records)],
                "digest": np.arange(records, dtype=np.uint64) + night,
            }
        ),
        nights_since_fit=night,
        frequencies=pd.DataFrame({"column": ["emails"], "value_hash": [np.uint64(night)], "count": [night]}),
        holders={"emails": records},
    )


def _read(directory: Path) -> LinkageState:
    state, inputs = read_state(directory)
    assert state is not None and inputs
    return state


KILLERS = {
    # killed after the new digests are written, before the term frequencies
    "tables": "import assets.link.io as io; real = io.write_parquet_atomic; calls = []\n"
    "def write(frame, path):\n"
    "    calls.append(path); real(frame, path)\n"
    "    if len(calls) == 1: os.kill(os.getpid(), signal.SIGKILL)\n"
    "io.write_parquet_atomic = write",
    # killed with the new model.json half written (before its rename)
    "model": "real = os.fsync\ndef fsync(fd): os.kill(os.getpid(), signal.SIGKILL)\nos.fsync = fsync",
}


@pytest.mark.parametrize("where", sorted(KILLERS))
def test_a_killed_state_write_leaves_the_old_state(tmp_path: Path, where: str):
    write_state(tmp_path, _state(1, 5), {"silver/a.parquet": "1:1"})
    script = "\n".join(
        [
            "import os, signal, sys",
            "from pathlib import Path",
            f"sys.path.insert(0, {str(Path(__file__).parent)!r})",
            "from test_linkage_state_crash import _state",
            KILLERS[where],
            "from assets.link.io import write_state",
            f"write_state(Path({str(tmp_path)!r}), _state(2, 7), {{'silver/b.parquet': '2:2'}})",
        ]
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).parents[1], timeout=120)
    assert done.returncode == -9, "the writer was not killed where the test meant"
    state, inputs = read_state(tmp_path)
    assert state.nights_since_fit == 1 and len(state.digests) == 5 and inputs == {"silver/a.parquet": "1:1"}
    assert state.frequencies["value_hash"].tolist() == [1]
    # the next write completes and leaves only its own generation
    write_state(tmp_path, _state(3, 9), {"silver/c.parquet": "3:3"})
    again = _read(tmp_path)
    assert again.nights_since_fit == 3 and len(again.digests) == 9 and again.holders == {"emails": 9}
    assert len(list((tmp_path / "state").glob("*.parquet"))) == 2
