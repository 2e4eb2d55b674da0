"""Persistent customer ids: kept by overlap, new ids for new customers, merges/splits in the history."""

import pandas as pd

from linkage.identity import assign_customer_ids

AT = pd.Timestamp("2026-01-02")


def _members(clusters: dict[str, int]) -> pd.DataFrame:
    return pd.DataFrame(
        {"source": "crm", "source_record_id": list(clusters), "cluster": list(clusters.values())}
    )


def test_first_run_creates_and_rerun_repeats():
    members = _members({"a": 0, "b": 0, "c": 1})
    ids, history = assign_customer_ids(members, None, "r1", AT)
    again, _ = assign_customer_ids(members.iloc[::-1].reset_index(drop=True), None, "r1", AT)
    assert ids[0] == ids[1] != ids[2] and ids.str.match(r"^C[0-9A-F]{12}$").all()
    assert set(again) == set(ids)
    assert history["event"].tolist() == ["created", "created"]


def test_merge_split_new_and_retired():
    previous = pd.DataFrame(
        {"source": "crm", "source_record_id": ["a", "b", "c", "d", "e", "f"],
         "customer_id": ["C1", "C1", "C2", "C3", "C3", "C4"]}
    )  # fmt: skip
    # a,b,c now one customer (C1 absorbs C2); d and e split apart; f erased; g is new.
    members = _members({"a": 0, "b": 0, "c": 0, "d": 1, "e": 2, "g": 3})
    ids, history = assign_customer_ids(members, previous, "r2", AT)
    got = dict(zip(members["source_record_id"], ids, strict=True))
    assert got["a"] == got["b"] == got["c"] == "C1"
    assert {got["d"], got["e"]} & {"C3"} and got["d"] != got["e"]
    assert got["g"] not in {"C1", "C2", "C3", "C4"}
    events = {(r.customer_id, r.event): r.related_ids for r in history.itertuples()}
    assert events[("C1", "merged")] == ["C2"]
    assert events[("C2", "retired")] == ["C1"]
    assert events[("C4", "retired")] == []
    split_id = got["e"] if got["d"] == "C3" else got["d"]
    assert events[(split_id, "split")] == ["C3"]
    assert events[(got["g"], "created")] == []
