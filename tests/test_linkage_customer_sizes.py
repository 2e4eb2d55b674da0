"""Records per customer for the run summary and the link asset's chart: a groupby's sizes, unlinked records
(no customer id) left out, without sorting the ids."""

import pandas as pd

from linkage.engine import customer_sizes


def test_customer_sizes_are_the_groupby_sizes_without_the_unlinked():
    xref = pd.DataFrame({"customer_id": ["c2", "c1", None, "c2", "c3", None, "c2"], "x": range(7)})
    sizes = customer_sizes(xref)
    pd.testing.assert_series_equal(
        sizes.sort_index(), xref.groupby("customer_id").size().sort_index(), check_names=False
    )
    assert sizes.sum() == 5 and len(sizes) == 3
