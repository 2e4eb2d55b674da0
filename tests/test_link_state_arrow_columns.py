"""linkage/arrow_columns.py: the stored prepared records' columns an incremental night reads of no stored record
are read back Arrow-backed (no Python object per value); the night's rows are merged in among them in Arrow,
and the state written back (a part, or the whole table) reads, in pandas too, as the records it held."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from test_link_state_encoding import _nights, persons  # noqa: F401 (the fixture)
from test_linkage_stored_encoding import _night

from assets.link import state_parts
from assets.link.io import read_state, state_dir
from linkage.arrow_columns import arrow_backed, as_objects, inserted, list_lengths
from linkage.contact_points import identifiable
from linkage.incremental import READ_OF_EVERY_RECORD
from linkage.prepare import merged_with_origin, prepare_records


def _stored_files(root: Path) -> pd.DataFrame:
    """Every prepared-records part as pandas reads it (a later part's rows replacing the earlier's)."""
    folder = state_dir(root / "linkage")
    parts = json.loads((folder / "model.json").read_text(encoding="utf-8"))["parts"]["prepared_records"]
    frames = [pd.read_parquet(folder / p["file"]) for p in parts]
    table = pd.concat(frames, ignore_index=True)
    return table.drop_duplicates(["source", "source_record_id"], keep="last")


def _objects(frame: pd.DataFrame) -> pd.DataFrame:
    out = as_objects(frame).sort_values(["source", "source_record_id"], ignore_index=True)
    for column in out:  # pandas reads a list cell back as an array
        if out[column].map(lambda v: isinstance(v, np.ndarray)).any():
            out[column] = out[column].map(lambda v: list(v) if isinstance(v, np.ndarray) else v)
    return out


@pytest.mark.parametrize("compacted", [False, True])
def test_the_records_no_night_reads_stay_in_arrow_and_are_written_back_as_they_were(
    persons,  # noqa: F811 (the fixture)
    tmp_path,
    monkeypatch,
    compacted,
):
    if compacted:  # the night writes the whole table again, from the Arrow-backed records
        monkeypatch.setattr(state_parts, "MAX_PARTS", 1)
    first, second, _ = _nights(persons)
    assert _night(tmp_path, "2026-01-01", first).startswith("full")
    state, _ = read_state(tmp_path / "linkage")
    backed = arrow_backed(state.records)
    assert "name_keys" in backed and "address_words" in backed and "full_name" in backed
    assert not set(backed) & set(READ_OF_EVERY_RECORD)  # what a night reads of every record: Python objects
    assert state.records["emails"].dtype == object
    pd.testing.assert_frame_equal(_objects(state.records), _objects(_stored_files(tmp_path)))

    assert _night(tmp_path, "2026-01-02", second) == "incremental"
    parts = len(list(state_dir(tmp_path / "linkage").glob("prepared_records.*.parquet")))
    assert parts == (1 if compacted else 2)
    again, _ = read_state(tmp_path / "linkage")
    assert arrow_backed(again.records) == backed
    pd.testing.assert_frame_equal(_objects(again.records), _objects(_stored_files(tmp_path)))
    assert set(second["source_record_id"].astype(str)) <= set(again.records["source_record_id"])


def test_a_nights_rows_merged_among_arrow_backed_records_are_those_merged_among_objects(
    persons,  # noqa: F811 (the fixture)
):
    stored = prepare_records(persons.iloc[::2]).drop(columns="rid")
    night = prepare_records(persons.iloc[1::2].iloc[:25]).drop(columns="rid")
    table = pa.Table.from_pandas(stored, preserve_index=False)
    backed = state_parts.arrow_frame(table, READ_OF_EVERY_RECORD, unique=["source_record_id"])
    assert arrow_backed(backed)
    keep = np.arange(len(stored)) % 5 != 0  # records that changed or left
    merged, origin = merged_with_origin(backed, night, keep=keep)
    expected, expected_origin = merged_with_origin(stored, night, keep=keep)
    assert arrow_backed(merged) == arrow_backed(backed)  # still Arrow-backed
    np.testing.assert_array_equal(origin, expected_origin)
    pd.testing.assert_frame_equal(_objects(merged), _objects(expected))


def test_records_identifiable_from_arrow_backed_phones_are_those_from_lists(
    persons,  # noqa: F811 (the fixture)
):
    stored = prepare_records(persons).drop(columns="rid")
    stored.loc[stored.index[::3], "emails"] = pd.Series(
        [[]] * len(stored.index[::3]), index=stored.index[::3]
    )
    table = pa.Table.from_pandas(stored, preserve_index=False)
    backed = state_parts.arrow_frame(table, READ_OF_EVERY_RECORD, unique=["source_record_id"])
    assert "phones" in arrow_backed(backed)
    np.testing.assert_array_equal(list_lengths(backed["phones"]), [len(v) for v in stored["phones"]])
    found = identifiable(backed)
    np.testing.assert_array_equal(found, identifiable(stored))
    assert 0 < found.sum() < len(found)


@pytest.mark.parametrize(
    "rows", [pd.Series([], dtype=float), pd.Series([np.nan, np.nan])], ids=["none", "all-missing"]
)
def test_night_rows_pandas_holds_as_floats_merge_into_an_arrow_backed_list_column(rows):
    """A night with no rows for a column, or only missing values (pandas makes those float columns: a review
    decision's night re-links stored records without new ones), merges as missing lists, not an Arrow error."""
    stored = pd.Series(pd.arrays.ArrowExtensionArray(pa.chunked_array([[["a"], None, ["b", "c"]]])))
    kept, at = np.array([0, 1, 2]), np.full(len(rows), 3)
    merged = inserted(stored, kept, at, rows)
    assert isinstance(merged, pd.arrays.ArrowExtensionArray)
    assert merged._pa_array.to_pylist() == [["a"], None, ["b", "c"]] + [None] * len(rows)
