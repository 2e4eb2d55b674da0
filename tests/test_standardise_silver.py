from types import SimpleNamespace

import pandas as pd
import pytest

from assets.entities import ENTITIES
from assets.layout import DataLayout
from assets.standardise.partition import standardise_partition
from assets.standardise.silver import PERSON_KEY, empty_silver, standardise


def _orders() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "order_id": ["SO-001", "SO-002", "SO-003"],
            "customer_ref": ["0042", "", ""],
            "full_name": ["张伟", "Li Na", "Li Na"],
            "email": ["Zhang.Wei@Corp-Mail.cn ", "lina@163.com", "LiNa@163.COM"],
            "phone_mobile": ["+86 138-1234-5678", "", ""],
            "order_date": ["03/15/2024", "2024-03-16", "not a date"],
            "amount": ["1,299.00", "¥88", "12"],
            "_source": ["shop"] * 3,
            "_file": ["orders.xlsx"] * 3,
            "_line": [2, 3, 4],
        }
    )


def test_typed_columns_beside_verbatim_raw():
    silver = standardise(_orders(), ENTITIES["order"], ["%m/%d/%Y"])
    assert silver["order_date"].tolist()[0] == "03/15/2024"  # raw kept verbatim
    assert silver["order_date_ts"][0] == pd.Timestamp("2024-03-15")
    assert pd.isna(silver["order_date_ts"][2])
    assert silver["amount_num"].tolist() == [1299.0, 88.0, 12.0]
    assert silver["phone_norm"][0] == "+8613812345678"
    assert silver["email_norm"][1] == "lina@163.com"
    # every canonical column exists even when the source did not map it
    assert set(ENTITIES["order"].column_names) <= set(silver.columns)


def test_person_key_rule():
    silver = standardise(_orders(), ENTITIES["order"])
    keys = silver[PERSON_KEY].tolist()
    assert keys[0] == "0042"  # leading zero kept
    # rows naming no person are person records of their own, keyed by file and line (the same key
    # linkage.records gives them), whatever identity they carry: linkage, not the key, joins them
    assert keys[1] == "r:orders.xlsx:3" and keys[2].startswith("r:orders.xlsx:") and keys[1] != keys[2]


def test_empty_silver_has_full_schema():
    empty = empty_silver(ENTITIES["survey_response"])
    assert empty.empty
    assert {"submitted_at_ts", "nps_score_int", "email_norm", PERSON_KEY} <= set(empty.columns)


@pytest.fixture
def layout(tmp_path):
    return DataLayout(root=tmp_path, landing=str(tmp_path / "landing"), config_dir=tmp_path)


def test_partition_writes_every_entity_and_persons(layout):
    bronze_dir = layout.bronze("shop", "2024-03-16")
    bronze_dir.mkdir(parents=True)
    _orders().to_parquet(bronze_dir / "part.parquet")
    source = SimpleNamespace(name="shop", entity="order", date_formats=["%m/%d/%Y"], phone_region="CN")
    result = standardise_partition(layout, [source], "2024-03-16")
    assert result.rows["order"] == 3
    assert all(layout.silver(name, "2024-03-16").exists() for name in ENTITIES)
    assert result.rows["contact"] == 0
    persons = pd.read_parquet(layout.silver("person", "2024-03-16"))
    # one record per unnamed row
    assert sorted(persons["source_record_id"].str[:2].tolist()) == ["00", "r:", "r:"]
    assert result.persons == 3


def test_partition_streams_in_batches_into_one_file_per_entity(layout):
    # Batches of two rows: the first batch's customer_ref is all empty, the second's is not; every row lands
    # in the one silver file with one schema.
    orders = pd.concat([_orders()] * 3, ignore_index=True)
    orders["order_id"] = [f"SO-{i}" for i in range(len(orders))]
    orders["customer_ref"] = [None, None, "0042", "0043", None, "0044", None, None, "0045"]
    bronze_dir = layout.bronze("shop", "2024-03-16")
    bronze_dir.mkdir(parents=True)
    orders.iloc[:5].to_parquet(bronze_dir / "a.parquet")
    orders.iloc[5:].to_parquet(bronze_dir / "b.parquet")
    source = SimpleNamespace(name="shop", entity="order", date_formats=["%m/%d/%Y"], phone_region="CN")
    result = standardise_partition(layout, [source], "2024-03-16", batch_rows=2)
    silver = pd.read_parquet(layout.silver("order", "2024-03-16"))
    assert result.rows["order"] == len(silver) == 9
    assert sorted(silver["order_id"]) == sorted(orders["order_id"])
    assert silver["customer_ref"].notna().sum() == 4
    assert silver["amount_num"].notna().all()


def test_partition_failing_midway_leaves_the_previous_files(layout):
    source = SimpleNamespace(name="shop", entity="order", date_formats=[], phone_region="CN")
    bronze_dir = layout.bronze("shop", "2024-03-16")
    bronze_dir.mkdir(parents=True)
    _orders().to_parquet(bronze_dir / "a.parquet")
    standardise_partition(layout, [source], "2024-03-16")
    before = layout.silver("order", "2024-03-16").read_bytes()
    (bronze_dir / "b.parquet").write_bytes(b"PAR1 truncated")  # a corrupted second file
    with pytest.raises(ValueError):  # pyarrow.ArrowInvalid
        standardise_partition(layout, [source], "2024-03-16", batch_rows=2)
    assert layout.silver("order", "2024-03-16").read_bytes() == before
    assert not list(layout.silver("order", "2024-03-16").parent.glob("*.tmp"))


def test_partition_empties_the_nights_memos(layout):
    # Phones, names and addresses are remembered across batches and sources during a night, not after it.
    from linkage.standardise.phone import canonical_phone

    bronze_dir = layout.bronze("shop", "2024-03-16")
    bronze_dir.mkdir(parents=True)
    _orders().to_parquet(bronze_dir / "part.parquet")
    source = SimpleNamespace(name="shop", entity="order", date_formats=["%m/%d/%Y"], phone_region="CN")
    first = standardise_partition(layout, [source], "2024-03-16", batch_rows=2, workers=1)
    silver = pd.read_parquet(layout.silver("order", "2024-03-16"))
    assert canonical_phone.cache_info().currsize == 0
    canonical_phone("+86 138-1234-5678", "CN")  # a warm memo gives the same night
    second = standardise_partition(layout, [source], "2024-03-16", batch_rows=2, workers=1)
    assert first.rows == second.rows
    pd.testing.assert_frame_equal(pd.read_parquet(layout.silver("order", "2024-03-16")), silver)
