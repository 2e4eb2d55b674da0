"""The link asset reads only what linkage uses of a person record (#14: memory at ~1M source rows)."""

from __future__ import annotations

import pandas as pd

from assets.link.io import LINKED_COLUMNS, read_person_glob
from assets.parquet_files import write_parquet_atomic
from linkage.config import load_linkage_config
from linkage.engine import link
from linkage.records import build_person_records


def _people(tmp_path):
    crm = pd.DataFrame({
        "source_record_id": ["1", "2", "3"],
        "full_name": ["张伟", "李娜", "Emma Dubois"],
        "email": ["zw@qq.com", "lina@163.com", "emma.dubois@outlook.com"],
        "phone_mobile": ["13812345678", "13912345678", "+44 7122 706463"],
        "birth_date": ["1990-01-02", "1985-03-04", "1979-12-12"],
        "_loaded_at": "2026-01-01T00:00:00",
    })  # fmt: skip
    shop = crm.iloc[:2].assign(source_record_id=["9", "8"], full_name=["Wei Zhang", "Li Na"])
    for day, (frame, source) in enumerate([(crm, "crm"), (shop, "shop")]):
        persons = build_person_records(frame, "contact", source)
        write_parquet_atomic(persons, tmp_path / "person" / f"run_date=2026-01-0{day + 1}" / "part.parquet")
    return str(tmp_path / "person" / "*" / "*.parquet")


def test_only_the_linked_columns_are_read_and_the_customers_are_the_same(tmp_path):
    pattern = _people(tmp_path)
    everything = read_person_glob(pattern)
    linked = read_person_glob(pattern, columns=LINKED_COLUMNS)
    assert {"name_script", "name_pinyin"} <= set(everything.columns)
    assert set(linked.columns) == set(everything.columns) & {*LINKED_COLUMNS}
    config = load_linkage_config()
    a = link(everything, config, run_id="r").xref
    b = link(linked, config, run_id="r").xref
    pd.testing.assert_frame_equal(a.drop(columns="linked_at"), b.drop(columns="linked_at"))
    assert a["customer_id"].nunique() == 3
