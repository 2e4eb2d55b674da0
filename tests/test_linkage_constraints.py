"""Steward decisions as constraints: a cannot-link splits a chained cluster, a must-link joins, both show as
evidence in match_pairs, and enough labels correct the weights."""

import numpy as np
import pandas as pd

from linkage.config import load_linkage_config
from linkage.constraints import annotate_pairs, constrain_clusters, latest_decisions, record_key
from linkage.engine import link
from linkage.learn import correct_weights


def _keys(n: int) -> pd.Series:
    return record_key(pd.Series(["s"] * n), pd.Series([str(i) for i in range(n)]))


def _decision(a: int, b: int, label: str, at: str = "2026-01-01") -> dict:
    return {"source_l": "s", "id_l": str(a), "source_r": "s", "id_r": str(b), "label": label,
            "reviewer": "ana", "decided_at": pd.Timestamp(at)}  # fmt: skip


def test_cannot_link_splits_a_chain_at_its_weakest_edge():
    # 0-1-2-3-4 chained by match edges; the steward says 0 and 4 are different people.
    left, right = np.array([0, 1, 2, 3]), np.array([1, 2, 3, 4])
    weight = np.array([9.0, 8.0, 2.0, 7.0])
    labels = np.zeros(5, dtype=np.int64)
    out = constrain_clusters(
        _keys(5), labels, left, right, weight, np.ones(4, bool), pd.DataFrame([_decision(4, 0, "non_match")])
    )
    assert out.labels[0] == out.labels[1] == out.labels[2] != out.labels[3] == out.labels[4]
    assert out.refused.tolist() == [False, False, True, False]  # the weakest bridge is the one refused


def test_must_link_joins_and_loses_to_a_cannot_link():
    labels = np.array([0, 1, 2])
    none = np.array([], dtype=np.int64)
    decisions = pd.DataFrame(
        [_decision(0, 1, "match"), _decision(1, 2, "match"), _decision(0, 2, "non_match")]
    )
    out = constrain_clusters(_keys(3), labels, none, none, np.array([]), np.array([], bool), decisions)
    assert out.labels[0] == out.labels[1] != out.labels[2]
    assert out.conflicts == [(1, 2)]


def test_latest_decision_about_a_pair_wins_whatever_the_order_of_its_sides():
    decisions = pd.DataFrame(
        [_decision(0, 1, "match", "2026-01-01"), _decision(1, 0, "non_match", "2026-01-02")]
    )
    latest = latest_decisions(decisions)
    assert len(latest) == 1 and latest.loc[0, "label"] == "non_match" and latest.loc[0, "id_l"] == "0"


def _people() -> pd.DataFrame:
    """A 'household' chain: a and b share a phone with c; a and b are otherwise different people."""
    rows = [
        ("crm", "a", "李", "明", ["li.ming@qq.com"], ["+8613812340001"], "1980-01-01", "北京"),
        ("shop", "a2", "li", "ming", ["li.ming@qq.com"], ["+8613812340001"], "1980-01-01", "beijing"),
        ("crm", "b", "李", "明", ["lm1999@163.com"], ["+8613812340002"], "1999-09-09", "北京"),
        ("shop", "b2", "li", "ming", ["lm1999@163.com"], ["+8613812340002"], "1999-09-09", "beijing"),
        ("crm", "c", "赵", "芳", ["zf@126.com"], ["+8613912345678"], "1975-05-05", "上海"),
        ("shop", "c2", "zhao", "fang", ["zf@126.com"], ["+8613912345678"], "1975-05-05", "shanghai"),
    ]
    cols = [
        "source",
        "source_record_id",
        "family_name",
        "given_name",
        "emails",
        "phones",
        "birth_date",
        "city",
    ]
    return pd.DataFrame(rows, columns=cols)


def _customer(xref: pd.DataFrame, source: str, record: str) -> str:
    return xref.set_index(["source", "source_record_id"]).loc[(source, record), "customer_id"]


def test_link_honours_decisions_and_shows_them_as_evidence():
    config = load_linkage_config()
    persons = _people()
    before = link(persons, config).xref
    assert _customer(before, "crm", "a") == _customer(before, "shop", "a2")
    assert _customer(before, "crm", "c") != _customer(before, "crm", "a")
    decisions = pd.DataFrame(
        [
            {"source_l": "crm", "id_l": "a", "source_r": "shop", "id_r": "a2", "label": "non_match",
             "reviewer": "ana", "decided_at": pd.Timestamp("2026-01-01")},
            {"source_l": "crm", "id_l": "a", "source_r": "crm", "id_r": "c", "label": "match",
             "reviewer": "ana", "decided_at": pd.Timestamp("2026-01-01")},
        ]
    )  # fmt: skip
    result = link(persons, config, decisions=decisions)
    xref = result.xref
    assert _customer(xref, "crm", "a") != _customer(xref, "shop", "a2")  # split although email+phone agree
    assert _customer(xref, "crm", "a") == _customer(xref, "crm", "c")  # joined although nothing agrees
    steward = result.pairs[result.pairs["blocking_rules"].str.contains("steward")]
    assert len(steward) == 2 and steward["note"].str.startswith("steward: ").all()
    assert set(steward["decision"]) == {"match", "non_match"}
    assert result.summary["steward"]["cannot_links"] == 1 and result.summary["steward"]["must_links"] == 1


def test_annotate_appends_decided_pairs_the_blocking_never_scored():
    pairs = pd.DataFrame({"source_l": ["s"], "id_l": ["1"], "source_r": ["s"], "id_r": ["0"], "decision": ["review"],
                          "blocking_rules": ["phone"], "note": [""]})  # fmt: skip
    out = annotate_pairs(pairs, pd.DataFrame([_decision(0, 1, "match"), _decision(2, 3, "non_match"),
                                              _decision(4, 5, "unsure")]))  # fmt: skip
    assert out["decision"].tolist() == ["match", "non_match"]
    assert out["blocking_rules"].tolist() == ["steward,phone", "steward"]


def test_weights_move_towards_the_labels_only_with_enough_of_them():
    config = load_linkage_config()
    rng = np.random.default_rng(0)
    n = 200
    g = {f"g_{c.name}": rng.integers(0, c.n_levels, n).astype(np.int8) for c in config.comparisons}
    w = {f"weight_{c.name}": np.zeros(n) for c in config.comparisons}
    y = (g["g_email"] == config.comparisons[3].n_levels - 1).astype(float)  # the labels: email decides
    same, _, info = correct_weights(w, g, 0.0, np.where(np.arange(n) < 10, y, np.nan), config)
    assert not info["corrected"] and same is w
    learned, _, info = correct_weights(w, g, 0.0, y, config)
    assert info["corrected"] and info["labels"] == n
    top = g["g_email"] == config.comparisons[3].n_levels - 1
    assert learned["weight_email"][top].mean() > 1 > -1 > learned["weight_email"][~top].mean()
