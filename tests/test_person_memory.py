"""The person records the link step holds (#14: peak RSS of a night at ~1M source rows): one Python string per
distinct value, not one per cell, and the same values, types and digests as before."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from assets.link.io import LINKED_COLUMNS, _union_versions, merge_person_versions, read_person_glob
from linkage.shared_strings import share_strings
from linkage.state import digest_table
from tests.test_review import write_people


def _copies(*values: str) -> list[str]:
    return ["".join(list(v)) for v in values]  # equal strings, distinct objects (as a Parquet reader gives)


def test_share_strings_keeps_every_value_and_missing_marker_and_shares_the_objects():
    city = _copies("beijing", "beijing", "上海", "beijing")
    frame = pd.DataFrame(
        {
            "city": [city[0], None, city[1], np.nan, city[2], city[3]],
            "phones": [np.array(_copies("+861", "+862"), dtype=object), [], None,
                       ["".join("+861")], np.array([], dtype=object), ("+862",)],
            "mixed": [1, "1", 1.0, None, True, "x"],  # not all strings: left alone (1 == 1.0 == True)
            "n": range(6),
        }
    )  # fmt: skip
    before = frame.copy()
    mixed = frame["mixed"].tolist()
    share_strings(frame)
    assert frame["city"].tolist()[0] is frame["city"].tolist()[2] is frame["city"].tolist()[5]
    assert frame["city"].iloc[1] is None and np.isnan(frame["city"].iloc[3])
    phones = frame["phones"].tolist()
    assert phones[0] == ["+861", "+862"] and phones[0][0] is phones[3][0] and phones[0][1] is phones[5][0]
    assert phones[1] == [] and phones[2] is None and phones[4] == []
    assert all(isinstance(v, list) for i, v in enumerate(phones) if i != 2)
    assert [type(v) for v in frame["mixed"]] == [type(v) for v in mixed]
    assert [a is b for a, b in zip(frame["mixed"], mixed, strict=True)] == [True] * 6
    assert digest_table(frame.assign(source="s", source_record_id=list("abcdef"))).equals(
        digest_table(before.assign(source="s", source_record_id=list("abcdef")))
    )


def test_records_seen_once_get_the_lists_the_union_of_versions_gives():
    frame = pd.DataFrame(
        {
            "source": ["crm", "crm", "shop", "shop", "crm"],
            "source_record_id": ["1", "2", "1", "3", "1"],  # crm 1 seen twice (latest first)
            "emails": [np.array(["a@x", "b@x", "a@x"], dtype=object), np.array([], dtype=object),
                       np.array(["c@x", None], dtype=object), "d@x", ["e@x", "a@x"]],
            "phones": [["+1", "+1"], [None], ["+2"], np.array(["+3", "+4"], dtype=object), None],
            "city": ["x", None, "y", "x", "old"],
        }
    )  # fmt: skip
    merged = merge_person_versions(frame.copy())
    pd.testing.assert_frame_equal(merged, _union_versions(frame.copy()))
    assert merged["emails"].tolist() == [["a@x", "b@x", "e@x"], [], ["c@x"], ["d@x"]]
    assert merged["phones"].tolist() == [["+1"], [], ["+2"], ["+3", "+4"]]
    assert merged["city"].tolist() == ["x", None, "y", "x"]
    once = frame.iloc[:4]  # every record once: no union to make, the same lists
    pd.testing.assert_frame_equal(merge_person_versions(once.copy()), _union_versions(once.copy()))


def test_read_person_glob_shares_repeated_strings_and_keeps_the_digests(tmp_path):
    write_people(tmp_path)
    pattern = str(tmp_path / "silver" / "person" / "*" / "*.parquet")
    persons = read_person_glob(pattern, columns=LINKED_COLUMNS)
    with duckdb.connect() as con:  # the records as DuckDB's .df() gave them before
        plain = con.execute(
            f"SELECT * FROM read_parquet('{pattern}', union_by_name = true) ORDER BY loaded_at DESC NULLS LAST"
        ).df()
    plain = _union_versions(plain)[list(persons.columns)]
    assert persons["loaded_at"].dtype == plain["loaded_at"].dtype
    pd.testing.assert_frame_equal(digest_table(persons), digest_table(plain))
    for column in ("source", "entity"):
        values = persons[column].dropna().tolist()
        assert len({id(v) for v in values}) == len(set(values)) < len(values)
    assert all(isinstance(v, list) for v in persons["phone_types"])  # not an array per cell
