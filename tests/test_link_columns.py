"""The link asset reads only what linkage uses of a person record (#14: memory at ~1M source rows)."""

from __future__ import annotations

import pandas as pd

from assets.link.io import LINKED_COLUMNS, read_person_glob
from linkage.config import load_linkage_config
from linkage.engine import link
from tests.test_review import write_people


def test_only_the_linked_columns_are_read_and_the_customers_are_the_same(tmp_path):
    write_people(tmp_path)  # two people with a CRM and a shop record each, a third alone
    pattern = str(tmp_path / "silver" / "person" / "*" / "*.parquet")
    everything = read_person_glob(pattern)
    linked = read_person_glob(pattern, columns=LINKED_COLUMNS)
    assert {"name_script", "name_pinyin"} <= set(everything.columns)
    assert set(linked.columns) == set(everything.columns) & {*LINKED_COLUMNS}
    config = load_linkage_config()
    a = link(everything, config, run_id="r").xref
    b = link(linked, config, run_id="r").xref
    pd.testing.assert_frame_equal(a.drop(columns="linked_at"), b.drop(columns="linked_at"))
    assert a["customer_id"].nunique() == 3
