"""assets/link/state_encoding.py: the stored encoding as parts beside the prepared records' — a night that writes
its records as one more part writes only their codes and the values it added; read back, the encoding is every
record's, in the records' order; a state written before the parts is read and extended; a process killed while
a night writes its parts leaves the previous state with its encoding."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_linkage_stored_encoding import _day, _night, _values

from assets.layout import REPO_ROOT, DataLayout
from assets.link import state_encoding
from assets.link.defs import link_night
from assets.link.io import read_state, state_dir
from assets.link.state_encoding import CODES, VOCAB, records_checksum
from assets.sample.person_records import sample_person_records
from linkage.config import load_linkage_config
from linkage.encode import encode_records


@pytest.fixture(scope="module")
def persons(tmp_path_factory) -> pd.DataFrame:
    people, _ = sample_person_records(tmp_path_factory.mktemp("sample"), customers=300, seed=11)
    return people.drop(columns=[c for c in people if c.startswith(("raw_", "_"))])


def _layout(root: Path) -> DataLayout:
    return DataLayout(root=root, landing=str(root / "landing"), config_dir=REPO_ROOT / "config")


def _nights(persons: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Night 1's records, then two nights of late records and changed ones with e-mails never seen before."""
    late = np.random.default_rng(2).random(len(persons)) < 0.05
    second = pd.concat([persons[late].iloc[::2], persons[~late].sample(4, random_state=3)], ignore_index=True)
    second["emails"] = [[f"second.{i}@example.cn"] for i in range(len(second))]
    third = pd.concat([persons[late].iloc[1::2], second.iloc[:2]], ignore_index=True)
    third["emails"] = [[f"third.{i}@example.cn"] for i in range(len(third))]
    return persons[~late], second, third


def _model(root: Path) -> dict:
    return json.loads((state_dir(root / "linkage") / "model.json").read_text(encoding="utf-8"))


def _encodes_its_records(root: Path) -> None:
    state, _ = read_state(root / "linkage")
    assert state.encoding is not None
    assert _values(state.encoding) == _values(
        encode_records(state.records, load_linkage_config().record_columns)
    )


@pytest.mark.parametrize("key", [None, "state encoding parts test key"])
def test_a_night_writes_only_its_rows_codes_and_the_values_it_added(persons, tmp_path, monkeypatch, key):
    if key:  # written and read through the zone files' door, encrypted
        monkeypatch.setenv("C360_ENCRYPTION_KEY", key)
    first, second, third = _nights(persons)
    assert _night(tmp_path, "2026-01-01", first).startswith("full")
    before = _model(tmp_path)["parts"]
    folder = state_dir(tmp_path / "linkage")
    stamps = {p["file"]: (folder / p["file"]).stat().st_mtime_ns for p in before[CODES] + before[VOCAB]}
    for day, frame in (("2026-01-02", second), ("2026-01-03", third)):
        assert _night(tmp_path, day, frame) == "incremental"
        parts = _model(tmp_path)["parts"]
        # one codes part per prepared-records part, row for row; the night's vocabulary part: its new e-mails
        assert [p["rows"] for p in parts[CODES]] == [p["rows"] for p in parts["prepared_records"]]
        assert parts[CODES][-1]["rows"] == len(frame)
        assert len(frame) <= parts[VOCAB][-1]["rows"] < 3 * len(frame)
        _encodes_its_records(tmp_path)
    assert len(parts[CODES]) == 3 and len(parts[VOCAB]) == 3
    for file, stamp in stamps.items():  # night 1's encoding files are named again, not rewritten
        assert (folder / file).stat().st_mtime_ns == stamp


def test_a_state_written_before_the_parts_is_read_and_extended(persons, tmp_path):
    """An encoding of the whole record table checked by the records' keys (as a state written before the
    parts holds it): read, and extended by the night's part; named by its records' file from then on."""
    first, second, _ = _nights(persons)
    _night(tmp_path, "2026-01-01", first)
    model_path = state_dir(tmp_path / "linkage") / "model.json"
    model = json.loads(model_path.read_text(encoding="utf-8"))
    state, _ = read_state(tmp_path / "linkage")
    model["parts"][CODES][0]["records"] = records_checksum(state.records)
    model_path.write_text(json.dumps(model), encoding="utf-8")
    assert _values(read_state(tmp_path / "linkage")[0].encoding) == _values(state.encoding)

    assert _night(tmp_path, "2026-01-02", second) == "incremental"
    parts = _model(tmp_path)["parts"]
    assert len(parts[CODES]) == 2 and parts[CODES][0]["file"] == model["parts"][CODES][0]["file"]
    assert not str(parts[CODES][0]["records"]).isdigit()
    _encodes_its_records(tmp_path)


def test_a_records_part_rewritten_in_place_leaves_the_state_without_its_encoding(persons, tmp_path):
    first, second, _ = _nights(persons)
    _night(tmp_path, "2026-01-01", first)
    _night(tmp_path, "2026-01-02", second)
    folder = state_dir(tmp_path / "linkage")
    night_part = folder / _model(tmp_path)["parts"]["prepared_records"][-1]["file"]
    table = pd.read_parquet(night_part)
    table.iloc[::-1].to_parquet(night_part, index=False)  # the same rows, another order
    assert read_state(tmp_path / "linkage")[0].encoding is None


KILL_AFTER_CODES = (
    "import assets.link.state_encoding as se; real = se.write_parquet_atomic\n"
    "def write(table, path):\n"
    "    real(table, path)\n"
    "    if path.name.startswith(se.CODES): os.kill(os.getpid(), signal.SIGKILL)\n"
    "se.write_parquet_atomic = write"
)


def test_a_night_killed_after_writing_its_codes_part_leaves_the_previous_state(persons, tmp_path):
    first, second, _ = _nights(persons)
    _night(tmp_path, "2026-01-01", first)
    stored, _ = read_state(tmp_path / "linkage")
    _day(tmp_path, "2026-01-02", second)
    script = "\n".join(
        [
            "import os, signal, sys",
            "from pathlib import Path",
            f"sys.path.insert(0, {str(Path(__file__).parent)!r})",
            "from test_link_state_encoding import _layout",
            KILL_AFTER_CODES,
            "from assets.link.defs import link_night",
            "from linkage.config import load_linkage_config",
            f"link_night(_layout(Path({str(tmp_path)!r})), load_linkage_config(), 'run-2026-01-02')",
        ]
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).parents[1], timeout=300)
    assert done.returncode == -9, "the writer was not killed where the test meant"
    back, _ = read_state(tmp_path / "linkage")
    assert back.nights_since_fit == stored.nights_since_fit and len(back.records) == len(stored.records)
    assert back.encoding is not None and _values(back.encoding) == _values(stored.encoding)
    # the night runs again on the previous state and leaves only the files its model.json names
    assert link_night(_layout(tmp_path), load_linkage_config(), "run-2026-01-02")[1] == "incremental"
    _encodes_its_records(tmp_path)
    parts = _model(tmp_path)["parts"]
    named = {p["file"] for table in parts.values() for p in table}
    assert {p.name for p in state_dir(tmp_path / "linkage").glob("*.parquet")} == named
    assert state_encoding.CODES in parts
