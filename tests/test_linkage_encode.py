"""Integer coding of the record table: one vocabulary across columns, list columns as CSR."""

import numpy as np
import pandas as pd

from linkage.encode import encode_records, expand, in_sorted, isin, sorted_unique


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": ["a", "a", "b"],
            "family_key": ["zhang", None, "wei"],
            "given_key": ["wei", "", "zhang"],
            "phones": [["+861", "+862", "+861", pd.NA], [], [861, None, ""]],
        }
    )


def test_one_vocabulary_across_columns_and_blank_is_missing():
    records = encode_records(_table(), {"family_key", "given_key", "phones"})
    family, given = records.scalars["family_key"], records.scalars["given_key"]
    assert family[0] == given[2] and given[0] == family[2]  # 'zhang' and 'wei' compare across columns
    assert family[1] == -1 and given[1] == -1  # None and "" are both missing
    assert records.strings(family[[0, 2]]).tolist() == ["zhang", "wei"]
    assert records.source[0] == records.source[1] != records.source[2]
    assert "name_keys" not in records.lists and "city_key" not in records.scalars  # not asked for


def test_list_column_is_distinct_sorted_values_per_record():
    records = encode_records(_table(), {"phones"})
    phones = records.lists["phones"]
    assert phones.lengths.tolist() == [2, 0, 1]  # duplicate and blanks dropped; 861 kept as text
    assert records.strings(phones.codes).tolist() == ["+861", "+862", "861"]
    owner, codes = expand(phones, np.array([2, 0, 0]))
    assert (
        owner.tolist() == [0, 1, 1, 2, 2]
        and records.strings(codes).tolist() == ["861"] + ["+861", "+862"] * 2
    )
    assert phones.rids().tolist() == [0, 0, 2]


def test_sorted_unique():
    assert sorted_unique(np.array([5, 1, 5, 3, 1], dtype=np.int64)).tolist() == [1, 3, 5]
    assert sorted_unique(np.array([], dtype=np.int64)).tolist() == []


def test_sorted_unique_is_np_unique_by_table_or_by_sort():
    """Codes of a narrow range (counted in a table of the values present) and wide or negative values
    (sorted): np.unique's values and dtype either way."""
    rng = np.random.default_rng(3)
    for dtype in (np.int64, np.int32, np.uint32, np.int8):
        for size, low, high in ((1, 0, 1), (50, 0, 20), (5_000, 0, 9_000), (50, 0, 10**6), (50, -9, 9)):
            if (low < 0 and np.dtype(dtype).kind == "u") or high > np.iinfo(dtype).max:
                continue
            values = rng.integers(low, high, size).astype(dtype)
            out = sorted_unique(values)
            assert out.dtype == values.dtype and np.array_equal(out, np.unique(values))


def test_in_sorted_and_isin_agree_with_numpy():
    rng = np.random.default_rng(5)
    values = rng.integers(-5, 60, size=500)
    for haystack in (rng.integers(0, 50, size=40), np.array([7]), np.array([], dtype=np.int64)):
        expected = np.isin(values, haystack)
        assert (in_sorted(values, sorted_unique(haystack)) == expected).all()  # values beyond both ends too
        assert (isin(values, haystack) == expected).all()


def test_encoded_records_pickle_without_their_cache() -> None:
    """Spark broadcasts the record table: the cache of mapped columns (keyed by lambdas) is not pickled."""
    import pickle

    from linkage.compare import PARTIAL_VALUES

    records = encode_records(pd.DataFrame({"source": ["a", "b"], "emails": [["x@y.com"], []]}))
    records.mapped_list("emails", PARTIAL_VALUES["email_local"])
    assert records.cache
    again = pickle.loads(pickle.dumps(records))
    assert again.cache == {}
    assert again.mapped_list("emails", PARTIAL_VALUES["email_local"]).lengths.tolist() == [1, 0]


def test_rows_encoded_then_are_those_of_the_appended_table():
    """encode_records(rec, then=rows) (an incremental night's record table, then what its changed records held
    before) gives the codes of the two tables appended, without appending them."""
    table, rows = _table(), _table().iloc[[2, 0]].assign(family_key=["li", None])
    columns = {"family_key", "given_key", "phones"}
    apart = encode_records(table, columns, then=rows)
    joined = encode_records(pd.concat([table, rows], ignore_index=True), columns)
    assert apart.n == joined.n == 5 and apart.vocab.tolist() == joined.vocab.tolist()
    assert (apart.source == joined.source).all()
    for name, codes in joined.scalars.items():
        assert (apart.scalars[name] == codes).all(), name
    for name in ("offsets", "codes"):
        assert (getattr(apart.lists["phones"], name) == getattr(joined.lists["phones"], name)).all()
