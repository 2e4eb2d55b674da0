"""build_person_records: one person record per (source, source_record_id)."""

import numpy as np
import pandas as pd

from linkage.records import PERSON_COLUMNS, build_person_records


def _crm() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source_record_id": ["1", "1", "2"],
            "full_name": ["張偉", "张伟", "Wei Zhang"],
            "email": ["ZW@qq.com", "zw2@qq.com; zw@qq.com", None],
            "phone_mobile": ["13812345678", "139 1234 5678", "N/A"],
            "phone_office": ["010-12345678", None, None],
            "city": ["北京市", "北京", "Beijing"],
            "updated_at": ["2024-01-01", "2025-06-01", None],
            "_source": "crm",
            "_file": "crm.csv",
            "_line": ["2", "3", "4"],
            "_loaded_at": "2026-01-01T00:00:00",
        }
    )


def test_rows_of_one_person_are_merged():
    persons = build_person_records(_crm(), "contact", "crm")
    assert list(persons.columns[: len(PERSON_COLUMNS)]) == PERSON_COLUMNS
    assert persons["source_record_id"].tolist() == ["1", "2"]
    first = persons.iloc[0]
    # Most recent row first, every value kept once.
    assert first["emails"] == ["zw2@qq.com", "zw@qq.com"]
    assert first["phones"] == ["+8613912345678", "+8613812345678", "+861012345678"]
    assert first["phone_types"] == ["mobile", "mobile", "landline"]
    assert (first["full_name"], first["name_pinyin"], first["city"]) == ("张伟", "zhang wei", "北京")
    assert first["n_rows"] == 2
    second = persons.iloc[1]
    assert second["phones"] == [] and second["name_pinyin"] == "zhang wei" and second["city"] == "beijing"


def test_orders_keyed_by_customer_ref_else_by_their_row():
    orders = pd.DataFrame(
        {
            "order_id": ["o1", "o2", "o3", "o4", "o5", "o6"],
            "customer_ref": ["C9", "C9", None, None, "", None],
            "full_name": ["Li Lei", "Li Lei", "韩梅梅", "韩梅梅", None, None],
            "email": [None, "LiLei@163.com", "hmm@qq.com", "hmm@qq.com", None, None],
            "phone_mobile": [None, None, None, None, None, None],
            "order_date": [
                "2025-01-01",
                "2025-02-01",
                "2025-03-01",
                "2025-03-02",
                "2025-03-03",
                "2025-03-04",
            ],
            "_loaded_at": "2026-01-01",
            "_file": "shop/orders.csv",
            "_line": [2, 3, 4, 5, 6, 7],
        }
    )
    persons = build_person_records(orders, "order", "shop")
    ids = sorted(persons["source_record_id"])
    # A row naming no person is its own record, keyed by where it was delivered: rows with no identity at
    # all (o5, o6) are not pooled into one "person", and linkage, not the key, decides that o3 and o4 match.
    assert ids == ["C9", *[f"r:shop/orders.csv:{line}" for line in (4, 5, 6, 7)]]
    again = build_person_records(orders.iloc[::-1], "order", "shop")
    assert sorted(again["source_record_id"]) == ids  # stable: the key does not depend on row order
    assert persons.set_index("source_record_id").loc["C9", "emails"] == ["lilei@163.com"]
    bare = build_person_records(orders.drop(columns=["_file", "_line"]), "order", "shop")
    assert sorted(bare["source_record_id"]) == ["C9", "r:2", "r:3", "r:4", "r:5"]  # no lineage: row position


def test_given_and_family_columns_compose_a_name():
    frame = pd.DataFrame(
        {"source_record_id": ["a", "b"], "given_name": ["John", "伟"], "family_name": ["Smith", "張"]}
    )
    persons = build_person_records(frame, "contact", "x")
    assert persons["full_name"].tolist() == ["john smith", "张伟"]
    assert persons["family_name"].tolist() == ["smith", "张"]


def test_empty_frame():
    frame = pd.DataFrame({"source_record_id": pd.Series(dtype="string")})
    persons = build_person_records(frame, "contact", "none")
    assert persons.empty and list(persons.columns[: len(PERSON_COLUMNS)]) == PERSON_COLUMNS


def test_runs_are_groupby_lists():
    from linkage.records import _runs

    long = pd.DataFrame(
        {"key": ["a", "a", "b", "c", "c", "c"], "value": pd.array(["1", pd.NA, "2", "3", "4", "5"], "string")}
    )
    expected = long.groupby("key", sort=False)["value"].agg(list)
    got = _runs(long["key"].to_numpy(), long["value"].to_numpy())
    assert got.index.tolist() == expected.index.tolist()
    assert [[None if v is pd.NA else v for v in x] for x in got] == [
        [None if v is pd.NA else v for v in x] for x in expected
    ]
    assert _runs(np.array([], dtype=object), np.array([], dtype=object)).empty
