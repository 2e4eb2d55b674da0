"""Half a swapped name: 'Wang Tongming' typed with First Name = Wang shares one word with 'Wei Wang'. The
family name found in the other box is one piece of agreement, not agreement on both name parts."""

import numpy as np
import pandas as pd

from linkage.compare import compare
from linkage.config import load_linkage_config
from linkage.encode import encode_records
from linkage.prepare import prepare_records


def _levels(rows: list[tuple[str, str]], pairs: list[tuple[int, int]]) -> pd.DataFrame:
    """Family and given name levels of chosen pairs of records (family, given)."""
    persons = pd.DataFrame(
        [{"family_name": f, "given_name": g, "emails": [], "phones": []} for f, g in rows]
    ).assign(source="s", source_record_id=[str(i) for i in range(len(rows))])
    records = encode_records(prepare_records(persons))
    left = np.array([a for a, _ in pairs], dtype=np.int64)
    right = np.array([b for _, b in pairs], dtype=np.int64)
    return pd.DataFrame(compare(records, load_linkage_config(), left, right))[
        ["g_family_name", "g_given_name"]
    ]


def test_a_surname_in_the_given_name_box_agrees_on_the_family_name_only():
    rows = [
        ("wang", "wei"),  # Wei Wang
        ("tongming", "wang"),  # Wang Tongming, First Name = Wang
        ("tongming", "wang"),
        ("wang", "tongming"),  # Wang Tongming in the right order
        ("li", "guo"),  # Guo Li, First Name = Guo
        ("guo", "cindy"),  # Cindy Guo
        ("weii", "wang"),  # Wei Wang, boxes swapped and a letter doubled
    ]
    got = _levels(rows, [(0, 1), (2, 3), (4, 5), (0, 6)])
    # one word in the other box: the family name agrees (close), the given names are compared as swapped
    assert got.iloc[0].tolist() == [2, 0]
    assert got.iloc[2].tolist() == [2, 0]
    assert got.iloc[3].tolist() == [2, 2]  # swapped, the given name mistyped: close on both
    assert got.iloc[1].tolist() == [3, 3]  # both boxes swapped: the same name
