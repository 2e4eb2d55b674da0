"""The link asset's example matches (its match_pairs metadata) from an incremental night's Arrow pairs table:
the same as from the pandas table, only the rows it picks converted."""

import numpy as np
import pandas as pd
import pyarrow as pa

from assets.link.defs import example_matches, example_rows
from linkage.engine import LinkageResult
from linkage.pair_table import OrderedPairs, decided_as


def _result(pairs: pd.DataFrame | pa.Table | OrderedPairs) -> LinkageResult:
    return LinkageResult(xref=pd.DataFrame(), pairs=pairs, review=pd.DataFrame(), history=pd.DataFrame(),
                         summary={})  # fmt: skip


def test_examples_from_an_arrow_table_are_those_of_the_pandas_one():
    n = 40
    decision = np.array(["match"] * 25 + ["review"] * 10 + ["non_match"] * 5, dtype=object)
    pairs = pd.DataFrame(
        {
            "source_l": "crm", "id_l": [str(i) for i in range(n)], "source_r": "shop",
            "id_r": [f"s{i}" for i in range(n)], "decision": decision,
            "match_probability": np.linspace(1, 0, n), "match_weight": np.linspace(30, -5, n),
            "weight_name": np.linspace(9, -1, n), "weight_email": np.r_[np.zeros(20), np.ones(20)],
        }
    )  # fmt: skip
    table = pa.Table.from_pandas(pairs, preserve_index=False)
    assert example_matches(_result(table)) == example_matches(_result(pairs))
    assert example_rows(table, 8)["id_l"].tolist() == ["0", "1", "2", "3", "23", "24", "25", "26"]
    few = table.slice(22, 6)  # three matches, three review pairs: picks that overlap
    assert example_matches(_result(few)) == example_matches(_result(few.to_pandas()))
    assert example_matches(_result(table.slice(0, 0))) == "_(no matches)_"


def test_examples_from_ordered_pairs_are_those_of_their_rows_in_pandas():
    """An incremental night's pairs (OrderedPairs: last run's and the night's rows in weight order, not
    gathered), a pair without a decision among them: the examples of the same rows gathered in pandas."""
    n = 30
    decision = np.array(["review"] * 8 + ["match"] * 18 + [None] + ["non_match"] * 3, dtype=object)
    pairs = pd.DataFrame(
        {
            "source_l": "crm", "id_l": [str(i) for i in range(n)], "source_r": "shop",
            "id_r": [f"s{i}" for i in range(n)], "decision": decision,
            "match_probability": np.linspace(0, 1, n), "match_weight": np.linspace(-5, 30, n),
            "weight_name": np.linspace(-1, 9, n), "weight_email": np.r_[np.ones(15), np.zeros(15)],
        }
    )  # fmt: skip
    rows = np.r_[np.arange(n)[::-1][:20], [3, 1, 2]]  # not every row, in another order
    ordered = OrderedPairs(pa.Table.from_pandas(pairs, preserve_index=False), rows)
    gathered = pairs.iloc[rows].reset_index(drop=True)
    assert example_matches(_result(ordered)) == example_matches(_result(gathered))
    assert decided_as(ordered, "match").tolist() == (gathered["decision"] == "match").tolist()
