"""assets/link/night_records.py: an incremental night reads only the person records of the files added since
the last linkage (merged with their earlier rows), takes every other record from the state, and gives the ids
of a night that reads every record; a changed file or an older state reads every record."""

import logging
import shutil
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from assets import background, parquet_files
from assets.layout import REPO_ROOT, DataLayout
from assets.link import defs, prefetch, table_reads
from assets.link.defs import link_night
from assets.link.io import read_state, state_dir
from assets.parquet_files import write_parquet_atomic
from assets.sample.person_records import sample_person_records
from linkage.config import load_linkage_config

KEYS = ["source", "source_record_id"]


@pytest.fixture(scope="module")
def persons(tmp_path_factory) -> pd.DataFrame:
    people, _ = sample_person_records(tmp_path_factory.mktemp("sample"), customers=300, seed=5)
    return people.drop(columns=[c for c in people if c.startswith("raw_") or c.startswith("_")])


def _day(root: Path, day: str, frame: pd.DataFrame) -> None:
    path = root / "silver" / "person" / f"run_date={day}" / "part.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.assign(loaded_at=pd.Timestamp(day)).to_parquet(path, index=False)


def _night_one(persons: pd.DataFrame, root: Path) -> pd.DataFrame:
    """`root` linked on night 1 (98% of the records), and night 2's file: the 2% held back and a new
    version of six records already linked (another e-mail, one a new given name)."""
    late = np.random.default_rng(1).random(len(persons)) < 0.02
    _day(root, "2026-01-01", persons[~late])
    _, mode, _ = link_night(_layout(root), load_linkage_config(), "night-1")
    assert mode.startswith("full (refitted model)")
    again = persons[~late].sample(6, random_state=2).copy()
    again["emails"] = [[f"new.{i}@example.cn"] for i in range(len(again))]
    again.iloc[0, again.columns.get_loc("given_name")] = "改名"
    return pd.concat([persons[late], again], ignore_index=True)


def _layout(root: Path) -> DataLayout:
    return DataLayout(root=root, landing=str(root / "landing"), config_dir=REPO_ROOT / "config")


def _ids(root: Path) -> pd.Series:
    xref = pd.read_parquet(root / "linkage" / "customer_xref.parquet")
    return xref.set_index(KEYS)["customer_id"].sort_index()


def _night_two(root: Path, night: pd.DataFrame) -> dict:
    _day(root, "2026-01-02", night)
    result, mode, _ = link_night(_layout(root), load_linkage_config(), "night-2")
    assert mode == "incremental", mode
    return result.summary


def test_a_night_reads_only_its_records_and_gives_the_ids_of_reading_all(persons, tmp_path, monkeypatch):
    night = _night_one(persons, tmp_path / "only")
    only = _night_two(tmp_path / "only", night)
    _night_one(persons, tmp_path / "every")
    with monkeypatch.context() as patched:  # the same night reading every person record
        patched.setattr(defs, "night_persons", lambda *args: None)
        every = _night_two(tmp_path / "every", night)
    assert only["person_records_read"] == len(night) < every["person_records_read"] / 10
    assert only["records"] == every["records"] and only["new_or_changed_records"] == len(night)
    assert only["relinked_records"] == every["relinked_records"]
    pd.testing.assert_series_equal(_ids(tmp_path / "only"), _ids(tmp_path / "every"))
    state, _ = read_state(tmp_path / "only" / "linkage")
    assert len(state.digests) == only["records"] and state.digests["entity"].notna().all()


def test_a_changed_file_or_an_older_state_reads_every_record(persons, tmp_path, caplog):
    changed = tmp_path / "changed"
    night = _night_one(persons, changed)
    day_one = changed / "silver" / "person" / "run_date=2026-01-01" / "part.parquet"
    frame = pd.read_parquet(day_one)
    frame.iloc[:-1].to_parquet(day_one, index=False)  # e.g. an erasure rewrote night 1's file
    with caplog.at_level(logging.INFO):
        summary = _night_two(changed, night)
    assert summary["person_records_read"] == summary["records"]
    assert "person file(s) changed or emptied" in caplog.text

    older = tmp_path / "older"
    _night_one(persons, older)
    folder = state_dir(older / "linkage")
    digests = next(folder.glob("record_digests.*.parquet"))
    write_parquet_atomic(
        pd.read_parquet(digests).drop(columns="entity"), digests
    )  # as an older version wrote
    caplog.clear()
    with caplog.at_level(logging.INFO):
        summary = _night_two(older, night)
    assert summary["person_records_read"] == summary["records"]
    assert "no record entities (older version)" in caplog.text


def test_a_data_dir_moved_or_restored_elsewhere_still_reads_only_the_new_records(persons, tmp_path):
    """The state names its person files relative to the data root: a data dir copied to another path (a
    restored backup, a new volume) keeps its incremental nights."""
    night = _night_one(persons, tmp_path / "before")
    shutil.copytree(tmp_path / "before", tmp_path / "after", copy_function=shutil.copy2)  # sizes, mtimes kept
    shutil.rmtree(tmp_path / "before")
    summary = _night_two(tmp_path / "after", night)
    assert summary["person_records_read"] == len(night) < summary["records"] / 10


def test_nights_on_a_state_of_parts_give_the_ids_of_reading_all_and_of_a_full_rebuild(
    persons, tmp_path, monkeypatch
):
    """Two nights reading only their records write their rows as parts of the state (assets/link/state_parts.py);
    the third night reads that state: its ids are those of the same nights reading every record (a whole state
    rewritten each night), and of a full rebuild of every record with the stored model."""
    from assets.link.io import read_person_glob
    from linkage.engine import link

    night = _night_one(persons, tmp_path / "only")
    _night_one(persons, tmp_path / "every")
    later = persons.sample(8, random_state=3).copy()
    later["phones"] = [[f"+86 138 0000 {i:04d}"] for i in range(len(later))]
    for root in ("only", "every"):
        with monkeypatch.context() as patched:
            if root == "every":
                patched.setattr(defs, "night_persons", lambda *args: None)
            _night_two(tmp_path / root, night)
            if root == "only":  # the customer file the third night starts from
                before = pd.read_parquet(tmp_path / root / "linkage" / "customer_xref.parquet")
            day = tmp_path / root / "silver" / "person" / "run_date=2026-01-03" / "part.parquet"
            day.parent.mkdir(parents=True)
            later.assign(loaded_at=pd.Timestamp("2026-01-03")).to_parquet(day, index=False)
            _, mode, _ = link_night(_layout(tmp_path / root), load_linkage_config(), "night-3")
            assert mode == "incremental"
    assert len(list(state_dir(tmp_path / "only" / "linkage").glob("record_digests.*.parquet"))) == 3
    assert len(list(state_dir(tmp_path / "every" / "linkage").glob("record_digests.*.parquet"))) == 1
    pd.testing.assert_series_equal(_ids(tmp_path / "only"), _ids(tmp_path / "every"))
    parts, _ = read_state(tmp_path / "only" / "linkage")
    whole, _ = read_state(tmp_path / "every" / "linkage")
    pd.testing.assert_frame_equal(parts.digests.sort_values(KEYS, ignore_index=True),
                                  whole.digests.sort_values(KEYS, ignore_index=True))  # fmt: skip
    everyone = read_person_glob(str(tmp_path / "only" / "silver" / "person" / "*" / "*.parquet"))
    rebuilt = link(everyone, load_linkage_config(), previous_xref=before, run_id="rebuild", model=parts)
    full = rebuilt.xref.set_index(KEYS)["customer_id"].sort_index()
    pd.testing.assert_series_equal(_ids(tmp_path / "only"), full)


def test_a_night_reading_only_its_records_sorts_only_them(persons, tmp_path, monkeypatch):
    """The stored records are in record order: the night prepares and sorts its own rows and puts them in
    place (linkage/prepare.merge_ordered), instead of sorting every record of the file again."""
    from linkage import incremental, prepare

    night = _night_one(persons, tmp_path)
    sorted_rows: list[int] = []

    def counting(table: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
        sorted_rows.append(len(table))
        return real(table)

    real = prepare.ordered_with_order
    monkeypatch.setattr(prepare, "ordered_with_order", counting)
    monkeypatch.setattr(incremental, "ordered_with_order", counting)
    summary = _night_two(tmp_path, night)
    assert sorted_rows and max(sorted_rows) <= summary["new_or_changed_records"] < summary["records"] / 10


def test_a_night_with_nothing_new_is_skipped_without_reading_the_state(persons, tmp_path, monkeypatch):
    """No person file added or changed: model.json alone tells it; the stored records, digests and the
    customer file (the file's size) are not read."""
    _night_one(persons, tmp_path)

    def unread(*args):
        raise AssertionError("a night with nothing new read the stored state")

    monkeypatch.setattr(prefetch, "read_state", unread)  # the link step's reads (assets/link/prefetch.py)
    monkeypatch.setattr(prefetch, "read_previous", unread)
    result, mode, paths = link_night(_layout(tmp_path), load_linkage_config(), "night-2")
    assert result is None and paths == {} and mode.startswith("skipped")


def test_a_night_whose_reads_were_done_ahead_takes_them_and_gives_the_same_ids(
    persons, tmp_path, monkeypatch
):
    """assets/link/prefetch.py: the state, customer file and match pairs read beside ingest are the link step's
    (not read again) and the night's ids are those of a night that reads them itself."""
    night = _night_one(persons, tmp_path / "ahead")
    _night_one(persons, tmp_path / "here")
    here = _night_two(tmp_path / "here", night)
    reads = []
    for name in ("read_state", "read_previous", "read_previous_table"):
        real = getattr(prefetch, name)
        monkeypatch.setattr(
            prefetch, name, lambda *a, _real=real, _name=name: (reads.append(_name), _real(*a))[1]
        )
    monkeypatch.setenv("C360_LINK_READ_AHEAD", "1")  # as on a machine with more than two cores
    with background.background_run(prefetch.planned_link_reads(_layout(tmp_path / "ahead"), True)):
        background.reached(background.NEW_FILES_LOADED)
        threads = list(background._started)
        for thread in threads:
            thread.join()
        ahead = _night_two(tmp_path / "ahead", night)
        assert all(t.name.startswith("background:") for t in threads) and len(reads) == 3  # none read again
    assert ahead["relinked_records"] == here["relinked_records"]
    pd.testing.assert_series_equal(_ids(tmp_path / "ahead"), _ids(tmp_path / "here"))


def _counted_reads(monkeypatch) -> list[str]:
    """The names of the linkage reads of assets/link/prefetch.py, in the order they are made."""
    reads = []
    for name in ("read_state", "read_previous", "read_previous_table"):
        real = getattr(prefetch, name)
        monkeypatch.setattr(
            prefetch, name, lambda *a, _real=real, _name=name: (reads.append(_name), _real(*a))[1]
        )
    return reads


def test_linkage_rewritten_after_its_read_ahead_is_read_again(persons, tmp_path, monkeypatch):
    """An erasure (or any writer) replacing last night's customer file or state after the read ahead: the link
    step reads what is there now."""
    _night_one(persons, tmp_path)
    linkage = tmp_path / "linkage"
    reads = _counted_reads(monkeypatch)
    with background.background_run():
        prefetch.start_link_reads(linkage)
        for thread in list(background._started):
            thread.join()
        xref = pd.read_parquet(linkage / "customer_xref.parquet")
        write_parquet_atomic(
            xref.iloc[1:], linkage / "customer_xref.parquet"
        )  # a forgotten person's row gone
        model = state_dir(linkage) / "model.json"
        model.write_text(model.read_text())  # rewritten in place
        assert prefetch.take_link_read(linkage, prefetch.STATE)[0] is not None
        assert len(prefetch.take_link_read(linkage, prefetch.XREF)) == len(xref) - 1
        assert prefetch.take_link_read(linkage, prefetch.PAIRS) is not None
    # the state and the customer file read again in the step; the match pairs, untouched, taken
    assert [reads.count(n) for n in ("read_state", "read_previous", "read_previous_table")] == [2, 2, 1]


def test_a_night_takes_its_linkage_files_decoded_beside_it_and_gives_the_same_ids(
    persons, tmp_path, monkeypatch
):
    """assets/link/table_reads.py: at the link step's start last night's customer file, state files and match
    pairs are decoded in one thread (in that order), each read once and taken by the step; the ids are those of
    a night that decodes them itself, and a file rewritten after its decoding is read again."""
    night = _night_one(persons, tmp_path / "ahead")
    _night_one(persons, tmp_path / "here")
    here = _night_two(tmp_path / "here", night)
    decoded: list[tuple[str, str]] = []
    real = table_reads._read
    monkeypatch.setattr(
        table_reads,
        "_read",
        lambda path: (decoded.append((path.name, threading.current_thread().name)), real(path))[1],
    )
    linkage = tmp_path / "ahead" / "linkage"
    state_files = sorted(p.name for p in state_dir(linkage).glob("*.parquet"))
    with background.background_run():
        ahead = _night_two(tmp_path / "ahead", night)
    linkage_files = ["customer_xref.parquet", "match_pairs.parquet"]
    read = [name for name, _ in decoded if name in linkage_files or name in state_files]
    assert read[0] == "customer_xref.parquet" and read[-1] == "match_pairs.parquet"
    assert sorted(read) == sorted([*linkage_files, *state_files])  # each once: none read again in the step
    assert all(thread.startswith("background:") for name, thread in decoded if name in read)
    assert ahead["relinked_records"] == here["relinked_records"]
    pd.testing.assert_series_equal(_ids(tmp_path / "ahead"), _ids(tmp_path / "here"))


def test_a_linkage_file_rewritten_after_its_decoding_is_read_again(tmp_path):
    path = tmp_path / "customer_xref.parquet"
    write_parquet_atomic(pd.DataFrame({"customer_id": ["a", "b"]}), path)
    with background.background_run():
        table_reads.start_reads([path])
        background._started[-1].join()
        write_parquet_atomic(pd.DataFrame({"customer_id": ["a"]}), path)  # an erasure
        assert table_reads.read_table(path).num_rows == 1
        table_reads.start_reads([path])
        table_reads.discard_reads()
        assert not background.under_way(table_reads.PREFIX + str(path))


def test_a_night_whose_outputs_fail_leaves_the_state_uncommitted_and_links_again_to_the_same_ids(
    persons, tmp_path, monkeypatch
):
    """The state's tables are staged while the match pairs are written: a failed write (here in the pairs'
    thread) removes them, model.json still names last night's state, and the night linked again gives the
    ids of a night that never failed."""
    night = _night_one(persons, tmp_path / "failed")
    _night_one(persons, tmp_path / "here")
    _night_two(tmp_path / "here", night)
    state = state_dir(tmp_path / "failed" / "linkage")
    before = {path.name: path.read_bytes() for path in state.iterdir()}
    real = parquet_files._write

    def failing(frame, tmp, *args):
        if tmp.name.startswith("match_pairs."):
            raise OSError("disk full")
        return real(frame, tmp, *args)

    monkeypatch.setattr(parquet_files, "_write", failing)
    with pytest.raises(OSError, match="disk full"):
        _night_two(tmp_path / "failed", night)
    assert {path.name: path.read_bytes() for path in state.iterdir()} == before
    monkeypatch.setattr(parquet_files, "_write", real)
    _night_two(tmp_path / "failed", night)
    pd.testing.assert_series_equal(_ids(tmp_path / "failed"), _ids(tmp_path / "here"))


def test_the_nights_records_are_read_while_last_nights_files_are_decoded_and_again_for_another_state(
    persons, tmp_path, monkeypatch
):
    """The night's own records are read before the step takes last night's decoded files (it would wait for
    them), from the person files model.json names; a state taken that names other files than the model.json
    read first (rewritten meanwhile) has the records read again from its own, and the same ids."""
    calls: list[str] = []
    real_read, real_take = defs.read_person_glob, defs.take_link_read
    monkeypatch.setattr(
        defs, "read_person_glob", lambda *a, **k: (calls.append("persons"), real_read(*a, **k))[1]
    )
    monkeypatch.setattr(defs, "take_link_read", lambda d, name: (calls.append(name), real_take(d, name))[1])
    night = _night_one(persons, tmp_path / "early")
    calls.clear()
    early = _night_two(tmp_path / "early", night)
    assert calls[:3] == ["persons", prefetch.XREF, prefetch.STATE] and calls.count("persons") == 1
    assert early["person_records_read"] == len(night)

    _night_one(persons, tmp_path / "other")

    def rewritten(directory, name):  # the state taken names an input model.json did not when read first
        calls.append(name)
        taken = real_take(directory, name)
        return (
            (taken[0], {**taken[1], "linkage/other-input.parquet": "1:1"})
            if name == prefetch.STATE
            else taken
        )

    monkeypatch.setattr(defs, "take_link_read", rewritten)
    calls.clear()
    other = _night_two(
        tmp_path / "other", night
    )  # what model.json named first is not the state's: read again
    assert calls.count("persons") == 2 and other["person_records_read"] == len(night)
    pd.testing.assert_series_equal(_ids(tmp_path / "early"), _ids(tmp_path / "other"))


def test_only_an_incremental_night_hands_its_staged_customer_file_to_the_checks_figures(persons, tmp_path):
    """The linkage check's figures start on the staged customer file of an incremental night, beside its other
    writes; a full night's (here the first) start once its outputs are in place, nothing beside its writes."""
    from orchestration import checks

    root = tmp_path / "nights"
    late = np.random.default_rng(1).random(len(persons)) < 0.02
    _day(root, "2026-01-01", persons[~late])
    layout = _layout(root)
    with background.background_run(checks.planned_xref_figures(layout, True)):
        _, mode, _ = link_night(layout, load_linkage_config(), "night-1")
        assert mode.startswith("full") and not background.under_way(checks.STAGED_FIGURES)
        assert background.under_way(checks.LINKAGE_CHECK)
    _day(root, "2026-01-02", persons[late])
    with background.background_run(checks.planned_xref_figures(layout, True)):
        _, mode, _ = link_night(layout, load_linkage_config(), "night-2")
        assert mode == "incremental" and background.under_way(checks.STAGED_FIGURES)
        assert not background.under_way(checks.LINKAGE_CHECK)
        assert checks.evaluate_linkage(layout, checks.LinkageBounds(), "night-2").passed
