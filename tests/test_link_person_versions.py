"""assets/link/io.merge_person_versions: one row per person record, the latest values, every e-mail and
phone any version held (each once, in the order first held)."""

import numpy as np
import pandas as pd

from assets.link.io import merge_person_versions


def test_versions_merge_to_the_latest_values_and_every_contact_value():
    rows = pd.DataFrame(  # most recent first, as read_person_glob orders them
        {
            "full_name": ["Wei Zhang", "Li Na", "W. Zhang", "Old Name"],
            "source": ["crm", "crm", "crm", "shop"],
            "source_record_id": ["1", "2", "1", "9"],
            "emails": [np.array(["b@x.cn"]), ["n@x.cn", None, "n@x.cn"], ["a@x.cn", "b@x.cn"], []],
            "phones": [[], None, ["+86 1"], None],
        }
    )
    merged = merge_person_versions(rows)
    assert list(merged.columns[:2]) == ["source", "source_record_id"]
    assert merged[["source", "source_record_id", "full_name"]].values.tolist() == [
        ["crm", "1", "Wei Zhang"], ["crm", "2", "Li Na"], ["shop", "9", "Old Name"],
    ]  # fmt: skip
    assert merged["emails"].tolist() == [["b@x.cn", "a@x.cn"], ["n@x.cn"], []]
    assert merged["phones"].tolist() == [["+86 1"], [], []]
