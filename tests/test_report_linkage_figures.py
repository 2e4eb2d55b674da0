"""assets/report/linkage_figures.py: the report's linkage figures over Arrow give what pandas gave."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from assets.report.collect import CONFIDENT, example_matches
from assets.report.linkage_figures import agreeing_matches, pair_counts, xref_figures


def _delivery(seed: int, records: int = 400, n_pairs: int = 1500) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Records of 4 sources in ~120 customers (some unlinked), and pairs among them with ties, missing
    weights, borderline probabilities and every decision."""
    rng = np.random.default_rng(seed)
    sources = rng.choice(["crm", "erp", "shop", "survey"], records)
    ids = [f"{s}-{i}" for i, s in enumerate(sources)]
    customer = rng.integers(0, 120, records).astype(str).astype(object)
    customer[rng.random(records) < 0.1] = None
    xref = pd.DataFrame({"source": sources, "source_record_id": ids, "customer_id": customer})
    left, right = rng.integers(0, records, n_pairs), rng.integers(0, records, n_pairs)
    weight = rng.choice([20.0, 15.0, 12.5, 9.0, 3.0, -4.0, np.nan], n_pairs)  # ties on purpose
    pairs = pd.DataFrame(
        {
            "source_l": sources[left],
            "id_l": np.array(ids, dtype=object)[left],
            "source_r": sources[right],
            "id_r": np.array(ids, dtype=object)[right],
            "match_weight": weight,
            "match_probability": rng.choice([0.9999, 0.995, CONFIDENT, 0.98, 0.4, np.nan], n_pairs),
            "decision": rng.choice(["match", "match", "review", "non_match"], n_pairs),
            "weight_email": rng.normal(size=n_pairs),
        }
    )
    return pairs, xref


def _agreeing_by_pandas(pairs: pd.DataFrame, xref: pd.DataFrame, n: int) -> pd.DataFrame:
    """The reference: the confident matches whose records share a customer, looked up in pandas, the first
    `depth` of each pair of sources at a time until each gave n or ran out (what the report did before)."""
    matches = pairs[(pairs["decision"] == "match") & (pairs["match_probability"] >= CONFIDENT)]
    ranked = matches.sort_values("match_weight", ascending=False, kind="stable")
    if ranked.empty:
        return ranked
    position = ranked.groupby(["source_l", "source_r"], sort=False).cumcount().to_numpy()
    linked = xref[xref["customer_id"].notna()]
    keys = zip(linked["source"], linked["source_record_id"], strict=True)
    customer = dict(zip(keys, linked["customer_id"], strict=True))
    depth = 4 * n
    while True:
        head = ranked[position < depth]
        left = [customer.get(k) for k in zip(head["source_l"], head["id_l"], strict=True)]
        right = [customer.get(k) for k in zip(head["source_r"], head["id_r"], strict=True)]
        agreeing = head[[lc is not None and lc == rc for lc, rc in zip(left, right, strict=True)]]
        short = agreeing.groupby(["source_l", "source_r"], sort=False).size()
        groups = head.groupby(["source_l", "source_r"], sort=False).size()
        if not ((short.reindex(groups.index, fill_value=0) < n) & (groups >= depth)).any():
            return agreeing
        depth *= 4


NAMES = pd.DataFrame(columns=["source", "source_record_id", "full_name", "city"])


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("n", [1, 3, 6])
def test_examples_from_the_agreeing_matches_are_the_examples_pandas_picked(seed: int, n: int) -> None:
    pairs, xref = _delivery(seed)
    expected = example_matches(_agreeing_by_pandas(pairs, xref, n), NAMES, n=n)
    candidates = agreeing_matches(pa.Table.from_pandas(pairs), pa.Table.from_pandas(xref), CONFIDENT, n)
    assert len(candidates) <= n * pairs[["source_l", "source_r"]].drop_duplicates().shape[0]
    got = example_matches(candidates, NAMES, n=n)
    pd.testing.assert_frame_equal(got.reset_index(drop=True), expected.reset_index(drop=True))


def test_candidates_past_the_first_depth_are_found() -> None:
    # 30 strong a-b matches ended in different customers; only the 31st joined one: still found
    pairs = pd.DataFrame(
        {
            "source_l": ["a"] * 31,
            "id_l": [str(i) for i in range(31)],
            "source_r": ["b"] * 31,
            "id_r": [f"r{i}" for i in range(31)],
            "match_weight": np.arange(31, 0, -1, dtype=float),
            "match_probability": [0.9999] * 31,
            "decision": ["match"] * 31,
        }
    )
    xref = pd.DataFrame(
        {
            "source": ["a"] * 31 + ["b"] * 31,
            "source_record_id": [str(i) for i in range(31)] + [f"r{i}" for i in range(31)],
            "customer_id": [f"L{i}" for i in range(31)] + [f"R{i}" for i in range(30)] + ["L30"],
        }
    )
    out = agreeing_matches(pa.Table.from_pandas(pairs), pa.Table.from_pandas(xref), CONFIDENT, 1)
    assert out["id_l"].tolist() == ["30"]


def test_figures_count_customers_unlinked_records_and_pairs(tmp_path) -> None:
    pairs, xref = _delivery(3)
    xref.to_parquet(tmp_path / "x.parquet")
    figures, sizes, _ = xref_figures(tmp_path / "x.parquet")
    by_customer = xref.groupby("customer_id").size()
    assert figures == {
        "records": len(xref),
        "customers": by_customer.size,
        "unlinked_records": int(xref["customer_id"].isna().sum()),
        "multi_record_customers": int((by_customer > 1).sum()),
        "largest_cluster": int(by_customer.max()),
        "sources": 4,
    }
    assert sizes["size"].tolist() == by_customer.tolist()
    counts = pairs["decision"].value_counts()
    assert pair_counts(pa.Table.from_pandas(pairs)) == {
        "pairs": len(pairs),
        "matches": counts["match"],
        "review": counts["review"],
        "non_matches": counts["non_match"],
    }


def test_a_pair_without_weight_comes_after_every_weighted_one() -> None:
    # a steward's match appended without weights (NaN) is no stronger than a negative weight, as pandas sorts
    pairs = pd.DataFrame(
        {
            "source_l": ["a", "a", "a"],
            "id_l": ["1", "2", "3"],
            "source_r": ["b", "b", "b"],
            "id_r": ["x", "y", "z"],
            "match_weight": [np.nan, -6.0, -2.0],
            "match_probability": [1.0, 0.999, 0.999],
            "decision": ["match"] * 3,
        }
    )
    xref = pd.DataFrame(
        {"source": list("aaabbb"), "source_record_id": list("123xyz"), "customer_id": ["C1", "C2", "C3"] * 2}
    )
    for n in (1, 2):
        expected = example_matches(_agreeing_by_pandas(pairs, xref, n), NAMES, n=n)
        candidates = agreeing_matches(pa.Table.from_pandas(pairs), pa.Table.from_pandas(xref), CONFIDENT, n)
        assert example_matches(candidates, NAMES, n=n)["id_l"].tolist() == expected["id_l"].tolist()
    assert expected["id_l"].tolist() == ["3", "2"]


def test_only_the_records_with_a_candidates_id_are_looked_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """The customer file's ~540k records are not all keyed for a few dozen candidates: only those carrying one
    of the candidates' ids (and a record with a null key, which a null key matches)."""
    import assets.report.linkage_figures as figures

    pairs, xref = _delivery(3, records=4000, n_pairs=300)
    xref.loc[7, "source"] = None  # a null key: kept, in its place
    keyed: list[int] = []
    record_keys = figures._record_keys
    monkeypatch.setattr(
        figures, "_record_keys", lambda t, s, i: keyed.append(t.num_rows) or record_keys(t, s, i)
    )
    got = agreeing_matches(pa.Table.from_pandas(pairs), pa.Table.from_pandas(xref), CONFIDENT, 3)
    expected = example_matches(_agreeing_by_pandas(pairs, xref, 3), NAMES, n=3)
    pd.testing.assert_frame_equal(
        example_matches(got, NAMES, n=3).reset_index(drop=True), expected.reset_index(drop=True)
    )
    assert keyed and max(keyed) <= 2 * 300 + 1 < len(xref)


def test_no_confident_match_gives_no_example() -> None:
    """Pairs of which none is a confident match: no candidate to look up (an empty take has no chunk), no example."""
    pairs, xref = _delivery(1)
    pairs["decision"] = "review"
    found = agreeing_matches(pa.Table.from_pandas(pairs), pa.Table.from_pandas(xref), CONFIDENT, 3)
    assert found.empty
