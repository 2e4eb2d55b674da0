"""The state keeps its prepared records' encoding (linkage/stored_encoding.py, assets/link/state_encoding.py): a
night encodes only its own rows against it and gives the ids, pairs and history of encoding every record; a
state without it (an older version, or after an erasure) encodes every record once and stores it."""

import shutil
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from assets.layout import REPO_ROOT, DataLayout
from assets.link.defs import link_night
from assets.link.io import read_state, state_dir
from assets.link.state_encoding import drop_encoding
from assets.sample.person_records import sample_person_records
from linkage import encode, stored_encoding
from linkage.config import load_linkage_config
from linkage.encode import EncodedRecords, encode_records
from linkage.prepare import prepare_records
from linkage.stored_encoding import extended_encoding

KEYS = ["source", "source_record_id"]


@pytest.fixture(scope="module")
def persons(tmp_path_factory) -> pd.DataFrame:
    people, _ = sample_person_records(tmp_path_factory.mktemp("sample"), customers=300, seed=7)
    return people.drop(columns=[c for c in people if c.startswith("raw_") or c.startswith("_")])


def _values(records: EncodedRecords) -> dict[str, list]:
    """Every record's values as strings: what a stage reads of an encoding, whatever the codes' numbers."""
    out = {"source": list(records.vocab[records.source])}
    for name, codes in records.scalars.items():
        out[name] = [records.vocab[c] if c >= 0 else None for c in codes]
    for name, col in records.lists.items():
        out[name] = [sorted(records.vocab[col.codes[a:b]]) for a, b in pairwise(col.offsets)]
    return out


@pytest.mark.parametrize("kind", ["mixed", "night only", "stored only"])
def test_the_stored_encoding_extended_holds_each_records_values(persons, kind):
    columns = load_linkage_config().record_columns
    stored = prepare_records(persons.iloc[:400]).drop(columns="rid")
    night = prepare_records(persons.iloc[400:]).drop(columns="rid")  # values the stored ones lack
    rows = {
        "mixed": np.r_[np.arange(0, 400, 3), 400 + np.arange(len(night))[::-1], np.arange(1, 400, 7)],
        "night only": 400 + np.arange(len(night))[::-1],
        "stored only": np.arange(399, -1, -2),
    }[kind]
    joint = extended_encoding(encode_records(stored, columns), night, rows, columns)
    both = pd.concat([stored, night], ignore_index=True).iloc[rows]
    assert _values(joint) == _values(encode_records(both, columns))
    for (
        col
    ) in joint.lists.values():  # each record's codes distinct and ascending, as encode_records keeps them
        assert all((np.diff(col.codes[a:b]) > 0).all() for a, b in pairwise(col.offsets))


def _day(root: Path, day: str, frame: pd.DataFrame) -> None:
    path = root / "silver" / "person" / f"run_date={day}" / "part.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.assign(loaded_at=pd.Timestamp(day)).to_parquet(path, index=False)


def _night(root: Path, day: str, frame: pd.DataFrame) -> str:
    _day(root, day, frame)
    layout = DataLayout(root=root, landing=str(root / "landing"), config_dir=REPO_ROOT / "config")
    return link_night(layout, load_linkage_config(), f"run-{day}")[1]


def _outputs(root: Path) -> dict[str, pd.DataFrame]:
    out = {}
    for table in ("customer_xref", "match_pairs", "id_history"):
        frame = pd.read_parquet(root / "linkage" / f"{table}.parquet")
        out[table] = frame.drop(columns=[c for c in ("linked_at", "at", "run_id") if c in frame])
    return out


def test_nights_encode_only_their_rows_and_link_as_encoding_every_record(persons, tmp_path, monkeypatch):
    late = np.random.default_rng(3).random(len(persons)) < 0.04
    second = persons[late].iloc[::2]
    third = pd.concat([persons[late].iloc[1::2], persons[~late].sample(5, random_state=4)], ignore_index=True)
    third["emails"] = [[f"moved.{i}@example.cn"] for i in range(len(third))]  # new values, changed records
    kept, older = tmp_path / "kept", tmp_path / "older"
    assert _night(kept, "2026-01-01", persons[~late]).startswith("full (refitted model)")
    shutil.copytree(kept, older)
    drop_encoding(state_dir(older / "linkage"))  # as a state an older version wrote
    assert read_state(older / "linkage")[0].encoding is None and read_state(kept / "linkage")[0].encoding

    encoded: list[int] = []

    def counting(rec: pd.DataFrame, columns=None, then=None) -> EncodedRecords:
        encoded.append(len(rec) + (0 if then is None else len(then)))
        return real(rec, columns, then)

    real = encode.encode_records
    for module in ("linkage.incremental", "linkage.stored_encoding"):
        monkeypatch.setattr(f"{module}.encode_records", counting)
    for day, frame in (("2026-01-02", second), ("2026-01-03", third)):
        encoded.clear()
        assert _night(kept, day, frame) == "incremental"
        assert encoded and max(encoded) <= len(frame)  # the night's rows only
        encoded.clear()
        drop_encoding(state_dir(older / "linkage"))  # each night there encodes every record, as before
        assert _night(older, day, frame) == "incremental"
        assert max(encoded) > len(persons) / 2  # every record: the state had no encoding; it stores one
        assert read_state(older / "linkage")[0].encoding is not None
        for table, frame_kept in _outputs(kept).items():
            pd.testing.assert_frame_equal(frame_kept, _outputs(older)[table], obj=table)
    state, _ = read_state(kept / "linkage")
    assert _values(state.encoding) == _values(
        encode_records(state.records, load_linkage_config().record_columns)
    )
    assert stored_encoding.columns_of(state.encoding)[1]  # the list columns are stored too


def test_an_erasure_drops_the_stored_encoding_and_the_next_night_encodes_again(persons, tmp_path):
    """The encoding's vocabulary holds the records' values as strings and no record key: an erasure that
    removes a person's rows from the state drops it (no value of the person stays in any state file)."""
    from assets.parquet_files import open_parquet
    from assets.privacy.identifiers import digest
    from assets.privacy.matching import SOURCE_RECORD, ErasureMatcher, source_record_key
    from assets.privacy.rewrite import data_files, erase_from_zone_file

    late = np.random.default_rng(5).random(len(persons)) < 0.03
    _night(tmp_path, "2026-01-01", persons[~late])
    linked = persons[~late].reset_index(drop=True)
    held = linked["emails"].explode().dropna().astype(str)
    email = held[~held.duplicated(keep=False)].iloc[0]  # an e-mail one record alone holds
    person = linked.loc[held.index[held == email][0]]
    key = digest(source_record_key(str(person["source"]), str(person["source_record_id"])), None)
    for path in data_files(tmp_path / "linkage"):
        erase_from_zone_file(path, ErasureMatcher.empty(None).extended(SOURCE_RECORD, {key}))
    for path in state_dir(tmp_path / "linkage").glob("*.parquet"):
        cells = open_parquet(path).read().to_pandas().astype(str).to_numpy().ravel()
        assert not any(email in cell for cell in cells), path.name
    assert read_state(tmp_path / "linkage")[0].encoding is None
    assert _night(tmp_path, "2026-01-02", persons[late]) == "incremental"
    assert read_state(tmp_path / "linkage")[0].encoding is not None


def test_an_erasure_killed_before_its_rewrite_leaves_no_encoding_behind(persons, tmp_path, monkeypatch):
    """The encoding goes before the state table is rewritten: a process killed between the two leaves the
    person's rows in the table (the erasure runs again) but none of their values in an encoding."""
    from assets.privacy import rewrite
    from assets.privacy.identifiers import digest
    from assets.privacy.matching import SOURCE_RECORD, ErasureMatcher, source_record_key

    _night(tmp_path, "2026-01-01", persons)
    person = persons.iloc[0]
    key = digest(source_record_key(str(person["source"]), str(person["source_record_id"])), None)
    folder = state_dir(tmp_path / "linkage")
    table = next(p for p in folder.glob("prepared_records.*parquet"))

    def killed(*args, **kwargs):
        raise KeyboardInterrupt("killed")

    monkeypatch.setattr(rewrite, "write_parquet_atomic", killed)
    with pytest.raises(KeyboardInterrupt):
        rewrite.erase_from_zone_file(table, ErasureMatcher.empty(None).extended(SOURCE_RECORD, {key}))
    assert not list(folder.glob("encoded_*"))


@pytest.mark.parametrize("key", [None, "stored encoding test key"])
def test_the_stored_encoding_reads_back_only_for_the_rows_it_encodes(persons, tmp_path, monkeypatch, key):
    """Written and read through the zone files' door (encrypted when the key is set); prepared records in
    another order than the encoding's (the same count) leave the state without it."""
    from assets.link.io import write_state
    from assets.parquet_files import open_parquet, write_parquet_atomic
    from linkage.engine import link

    if key:
        monkeypatch.setenv("C360_ENCRYPTION_KEY", key)
    result = link(persons.iloc[:200], load_linkage_config(), run_id="night-1")
    write_state(tmp_path, result.state, {"silver/person/a.parquet": "1:1"})
    state, _ = read_state(tmp_path)
    assert _values(state.encoding) == _values(result.state.encoding)
    prepared = next(state_dir(tmp_path).glob("prepared_records.*.parquet"))
    table = open_parquet(prepared).read()
    write_parquet_atomic(table.take(np.r_[1, 0, np.arange(2, table.num_rows)]), prepared)
    assert read_state(tmp_path)[0].encoding is None
