"""assets/link/state_parts.py: a night that read only its new records writes their rows as one more part of
the stored tables; the state read back is the one the night held, a process killed while writing it leaves
the previous state, and the parts are compacted into one table again."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_linkage_state_crash import KILLERS as CRASH_KILLERS

from assets.link import state_parts
from assets.link.io import read_state, state_dir, write_state
from linkage.score import Parameters
from linkage.state import LinkageState

KEYS = ["source", "source_record_id"]


def _table(ids: list[int], version: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": ["crm"] * len(ids),
            "source_record_id": [str(i) for i in ids],
            "digest": np.array([i * 10 + version for i in ids], dtype=np.uint64),
        }
    )


def _records(ids: list[int], version: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": ["crm"] * len(ids),
            "source_record_id": [str(i) for i in ids],
            "emails": [[f"p{i}.v{version}@example.cn"] for i in ids],
        }
    )


def _state(night: int, digests: pd.DataFrame, records: pd.DataFrame) -> LinkageState:
    return LinkageState(
        parameters=Parameters(
            m={"email": np.array([0.1, 0.9])}, u={"email": np.array([0.99, 0.01])}, prior=0.01
        ),
        level_shares={"email": [0.2, 0.8]},
        digests=digests,
        nights_since_fit=night,
        frequencies=pd.DataFrame({"column": ["emails"], "value_hash": [np.uint64(7)], "count": [3]}),
        holders={"emails": len(digests)},
        records=records,
    )


def _after_night(before: LinkageState, night_ids: list[int], night: int) -> tuple[LinkageState, pd.DataFrame]:
    """The state a night re-reading `night_ids` (changed or new) leaves: the stored rows of the others, then
    the night's, as linkage/incremental.py builds it."""
    keys = pd.DataFrame({"source": "crm", "source_record_id": [str(i) for i in night_ids]})
    again = before.digests["source_record_id"].isin(keys["source_record_id"])
    digests = pd.concat([before.digests[~again], _table(night_ids, night)], ignore_index=True)
    kept = before.records[~before.records["source_record_id"].isin(keys["source_record_id"])]
    records = pd.concat([kept, _records(night_ids, night)], ignore_index=True)
    records = records.sort_values(KEYS, ignore_index=True)
    return _state(night, digests, records), keys


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.sort_values(KEYS, ignore_index=True)
    if "emails" in out:
        out["emails"] = out["emails"].map(list)
    return out


def _night_one(tmp_path: Path) -> LinkageState:
    ids = list(range(40))
    first = _state(1, _table(ids, 1), _records(ids, 1))
    write_state(tmp_path, first, {"silver/a.parquet": "1:1"})
    return first


def test_a_night_writes_its_rows_as_a_part_and_reads_back_the_state_it_held(tmp_path: Path):
    first = _night_one(tmp_path)
    folder = state_dir(tmp_path)
    frequencies = set(folder.glob("term_frequencies.*.parquet"))
    second, keys = _after_night(first, [3, 17, 40, 41], 2)  # two changed, two new
    write_state(tmp_path, second, {"silver/b.parquet": "2:2"}, night=keys)
    assert set(folder.glob("term_frequencies.*.parquet")) == frequencies  # named again, not rewritten
    assert len(list(folder.glob("record_digests.*.parquet"))) == 2
    back, inputs = read_state(tmp_path)
    assert inputs == {"silver/b.parquet": "2:2"} and back.nights_since_fit == 2
    pd.testing.assert_frame_equal(back.digests, second.digests)  # the order the night held too
    pd.testing.assert_frame_equal(_sorted(back.records), _sorted(second.records))
    # a third night on the parts: its records replace the second night's and the first's
    third, keys = _after_night(back, [17, 41, 42], 3)
    write_state(tmp_path, third, {"silver/c.parquet": "3:3"}, night=keys)
    again, _ = read_state(tmp_path)
    pd.testing.assert_frame_equal(again.digests, third.digests)
    pd.testing.assert_frame_equal(_sorted(again.records), _sorted(third.records))
    assert again.digests.set_index("source_record_id")["digest"].loc[["3", "17", "42"]].tolist() == [
        32,
        173,
        423,
    ]


def test_parts_are_compacted_into_one_table(tmp_path: Path, monkeypatch):
    state = _night_one(tmp_path)
    folder = state_dir(tmp_path)
    monkeypatch.setattr(state_parts, "MAX_PARTS", 3)
    for night in range(2, 5):
        state, keys = _after_night(state, [night], night)
        write_state(tmp_path, state, {f"silver/{night}.parquet": "1:1"}, night=keys)
        state, _ = read_state(tmp_path)
    assert len(list(folder.glob("record_digests.*.parquet"))) == 1  # nights 2, 3 appended; night 4 compacted
    pd.testing.assert_frame_equal(_sorted(state.records), _sorted(_after_night(state, [], 4)[0].records))
    big, keys = _after_night(state, list(range(30)), 5)  # 30 of 40 records: more than COMPACT_SHARE
    write_state(tmp_path, big, {"silver/5.parquet": "1:1"}, night=keys)
    assert len(list(folder.glob("prepared_records.*.parquet"))) == 1


# killed after the night's digests part is written (before its prepared-records part), or with the new
# model.json half written: the crash test's killers
KILLERS = {"part": CRASH_KILLERS["tables"], "model": CRASH_KILLERS["model"]}


@pytest.mark.parametrize("where", sorted(KILLERS))
def test_a_night_killed_while_writing_its_part_leaves_the_previous_state(tmp_path: Path, where: str):
    first = _night_one(tmp_path)
    second, keys = _after_night(first, [3, 40], 2)
    write_state(tmp_path, second, {"silver/b.parquet": "2:2"}, night=keys)
    script = "\n".join(
        [
            "import os, signal, sys",
            "from pathlib import Path",
            f"sys.path.insert(0, {str(Path(__file__).parent)!r})",
            "from assets.link.io import read_state",
            "from test_linkage_state_parts import _after_night",
            KILLERS[where],
            "from assets.link.io import write_state",
            f"state, _ = read_state(Path({str(tmp_path)!r}))",
            "third, keys = _after_night(state, [5, 41], 3)",
            f"write_state(Path({str(tmp_path)!r}), third, {{'silver/c.parquet': '3:3'}}, night=keys)",
        ]
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).parents[1], timeout=120)
    assert done.returncode == -9, "the writer was not killed where the test meant"
    back, inputs = read_state(tmp_path)
    assert inputs == {"silver/b.parquet": "2:2"} and back.nights_since_fit == 2
    pd.testing.assert_frame_equal(back.digests, second.digests)
    pd.testing.assert_frame_equal(_sorted(back.records), _sorted(second.records))
    # the next night completes on the previous state and leaves only the files its model.json names
    third, keys = _after_night(back, [5, 41], 3)
    write_state(tmp_path, third, {"silver/c.parquet": "3:3"}, night=keys)
    again, _ = read_state(tmp_path)
    pd.testing.assert_frame_equal(again.digests, third.digests)
    assert len(list(state_dir(tmp_path).glob("*.parquet"))) == 7  # 3 digests, 3 records parts, 1 frequencies


def test_the_prepared_records_read_back_from_parts_are_in_record_order(tmp_path: Path):
    """Each part holds its records in record order (by source, then record id): the table they make is in that
    order too, so the next night puts its own rows in place instead of sorting every stored record."""
    first = _night_one(tmp_path)
    second, keys = _after_night(first, [3, 17, 40, 41], 2)
    write_state(tmp_path, second, {"silver/b.parquet": "2:2"}, night=keys)
    back, _ = read_state(tmp_path)
    pd.testing.assert_frame_equal(back.records, _sorted(second.records).assign(emails=back.records["emails"]))
    assert back.records["emails"].map(list).tolist() == _sorted(second.records)["emails"].tolist()
