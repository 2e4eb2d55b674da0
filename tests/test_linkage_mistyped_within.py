"""contact_points.attach_mistyped_records with `within` (an incremental night): only those lone records are
attached, each exactly as without it (an attachment reads the owners, never the other lone records)."""

import numpy as np
import pandas as pd

from linkage.contact_points import attach_mistyped_records, evidence_only
from linkage.prepare import prepare_records


def _records() -> pd.DataFrame:
    persons = pd.DataFrame(
        {
            "source": ["crm", "crm", "survey", "survey"],
            "source_record_id": ["1", "2", "3", "4"],
            "family_name": ["Zhang", "Li", None, None],
            "given_name": ["Weiming", "Xiaona", None, None],
            "emails": [["zhang.weiming@163.com"], ["li.xiaona@qq.com"], ["zhang.weimingg@163.com"],
                       ["li.xiaonna@qq.com"]],
            "phones": [["+8613812345678"], ["+8613912345678"], [], []],
        }
    )  # fmt: skip
    return prepare_records(persons)


def test_within_attaches_only_those_records_and_each_as_without_it():
    rec = _records()
    labels = np.arange(len(rec), dtype=np.int64)
    unnamed = evidence_only(rec)
    everyone, attached = attach_mistyped_records(rec, labels, unnamed, None)
    assert attached == 2 and everyone[2] == everyone[0] and everyone[3] == everyone[1]
    within = np.array([True, True, True, False])
    night, attached = attach_mistyped_records(rec, labels, unnamed, None, within=within)
    assert attached == 1 and night[2] == night[0]
    assert len(set(night.tolist())) == 3  # record 4 stays alone
