"""linkage/incremental._lost_references: the records of last night's reference pairs that are no references
tonight (the reference dropped, or one of its records left) are linked again."""

import numpy as np
import pandas as pd
import pyarrow as pa

from linkage.incremental import _lost_references
from linkage.references import References


def test_records_of_references_gone_tonight_are_marked():
    rec = pd.DataFrame({"source": ["crm", "crm", "shop", "shop", "web"], "source_record_id": list("12345")})
    previous = pd.DataFrame(
        {
            "source_l": ["crm", "shop", "crm", "web", "crm"],
            "id_l": ["1", "3", "2", "5", "9"],
            "source_r": ["shop", "crm", "web", "crm", "web"],
            "id_r": ["3", "2", "5", "1", "5"],
            "note": ["reference: x", "reference: y", "", "reference: z", "reference: gone"],
        }
    )
    refs = References(np.array([2, 4]), np.array([0, 0]), np.array(["x", "z"], dtype=object), 0)
    # (crm:1, shop:3) is still a reference (either way round), so is (web:5, crm:1); (shop:3, crm:2) is
    # not; crm:9 left, so web:5 is linked again; the plain pair (crm:2, web:5) is no reference
    marked = _lost_references(previous, refs, rec)
    assert marked.tolist() == [False, True, True, False, True]
    # last night's pairs as read from match_pairs (Arrow), a note missing: the same records
    read = pa.Table.from_pandas(previous.assign(note=[*previous["note"][:-1], None]), preserve_index=False)
    assert _lost_references(read, refs, rec).tolist() == [False, True, True, False, False]
