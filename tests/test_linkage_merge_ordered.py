"""prepare.merge_ordered: the stored records (in record order) and a night's prepared rows make the record table
ordered_records gives, the night's rows put in place instead of every row sorted again."""

import numpy as np
import pandas as pd
import pytest

from linkage import prepare
from linkage.prepare import merge_ordered, ordered_records


def _rows(keys: list[tuple[str, str]], tag: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": [s for s, _ in keys],
            "source_record_id": [i for _, i in keys],
            "emails": [[f"{i}.{tag}@example.cn"] for _, i in keys],
            "loaded_at": pd.Timestamp("2026-01-01"),
        }
    )


STORED = [("crm", "1"), ("crm", "10"), ("crm", "3"), ("shop", "a"), ("shop", "c")]
NIGHT = [("shop", "b"), ("crm", "2"), ("ads", "9"), ("zoo", "1"), ("crm", "0"), ("shop", "d")]


def test_the_night_rows_go_where_ordered_records_puts_them(monkeypatch):
    stored = ordered_records(_rows(STORED, "old")).drop(columns="rid")
    night = _rows(NIGHT, "new")
    expected = ordered_records(pd.concat([stored, night], ignore_index=True))
    sorted_rows = []
    real = prepare.ordered_with_order

    def counting(table: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
        sorted_rows.append(len(table))
        return real(table)

    monkeypatch.setattr(prepare, "ordered_with_order", counting)
    merged = merge_ordered(stored, night)
    pd.testing.assert_frame_equal(merged, expected)
    assert sorted_rows == [len(night)]  # only the night's rows were sorted
    keep = np.array([True, False, True, True, False])  # the stored rows of two records the night changed
    again = ordered_records(pd.concat([stored[keep], night], ignore_index=True))
    pd.testing.assert_frame_equal(merge_ordered(stored, night, keep=keep), again)


def test_stored_rows_out_of_order_or_a_repeated_record_fall_back_or_fail():
    shuffled = _rows(STORED, "old").iloc[[2, 0, 4, 1, 3]].reset_index(drop=True)
    night = _rows(NIGHT, "new")
    expected = ordered_records(pd.concat([shuffled, night], ignore_index=True))
    pd.testing.assert_frame_equal(merge_ordered(shuffled, night), expected)
    stored = ordered_records(_rows(STORED, "old")).drop(columns="rid")
    with pytest.raises(ValueError, match="repeated"):
        merge_ordered(stored, _rows([("crm", "3")], "new"))
    assert np.array_equal(merge_ordered(stored, night.iloc[:0])["rid"], np.arange(len(stored)))
