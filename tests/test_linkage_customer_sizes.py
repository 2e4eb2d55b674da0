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


def test_an_incremental_nights_sizes_counted_by_last_nights_codes_are_those_of_its_file():
    """linkage/incremental.py counted_sizes: last night's carried rows counted by their customer's code, the
    night's ids looked up: the sizes customer_sizes gives over the file the night writes (its carried rows then
    its own), unlinked records left out on either side, a night id that is one of last night's counted once."""
    import numpy as np

    from linkage.incremental import counted_sizes

    previous = pd.Series(["c1", "c2", None, "c2", "c3", "c4", None, "c4", "c5"], dtype=object)
    carried = np.array([0, 1, 2, 3, 6, 7])  # c5's and c3's rows and one of c4's are the night's
    night = pd.Series(["c5", "c9", None, "c9", "c4", "c1", "c10"], dtype=object)
    file_code, file_ids = pd.factorize(previous.astype(str).to_numpy())
    sizes = counted_sizes(previous, file_code, file_ids, carried, night)
    xref = pd.DataFrame({"customer_id": pd.concat([previous.iloc[carried], night], ignore_index=True)})
    expected = customer_sizes(xref)
    assert sorted(sizes.tolist()) == sorted(expected.tolist())
    assert sizes.value_counts().sort_index().to_dict() == expected.value_counts().sort_index().to_dict()
