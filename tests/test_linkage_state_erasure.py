"""The incremental state keeps the prepared record table (names, e-mails): an erasure removes a person's rows
from it like from any zone file, and the next night reads the state without them."""

from pathlib import Path

import pandas as pd

from assets.link.io import read_state, write_state
from assets.privacy.identifiers import digest
from assets.privacy.matching import SOURCE_RECORD, ErasureMatcher, source_record_key
from assets.privacy.rewrite import data_files, erase_from_zone_file
from linkage.config import load_linkage_config
from linkage.engine import link


def test_an_erased_person_leaves_the_linkage_state(tmp_path: Path):
    persons = pd.DataFrame(
        {
            "source": "crm",
            "source_record_id": ["CRM-1", "CRM-2", "CRM-3"],
            "family_name": ["张", "李", "王"],
            "given_name": ["伟", "娜", "芳"],
            "city": "上海",
            "emails": [["zhang.wei@163.com"], ["li.na@qq.com"], ["wang.fang@qq.com"]],
            "phones": [["+8613812345678"], [], []],
        }
    )
    result = link(persons, load_linkage_config(), run_id="night-1")
    write_state(tmp_path, result.state, {"silver/person/a.parquet": "1:1"})
    assert any(b"zhang.wei@163.com" in p.read_bytes() for p in data_files(tmp_path))  # it is stored
    matcher = ErasureMatcher.empty(None).extended(
        SOURCE_RECORD, {digest(source_record_key("crm", "CRM-1"), None)}
    )
    for path in data_files(tmp_path):
        erase_from_zone_file(path, matcher)
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert b"zhang.wei" not in path.read_bytes() and "张伟".encode() not in path.read_bytes(), path
    state, inputs = read_state(tmp_path)
    assert inputs and sorted(state.records["source_record_id"]) == ["CRM-2", "CRM-3"]
    assert sorted(state.digests["source_record_id"]) == ["CRM-2", "CRM-3"]
