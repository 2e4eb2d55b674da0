"""Steward decisions as clustering constraints: must-link joins two records, cannot-link keeps them apart.

A pure function on (record keys, scored pairs, engine clusters, decisions), so it runs on the whole record table
or per connected component (Spark `applyInPandas`). Only clusters a constraint touches are rebuilt: their
members are re-joined by union-find, must-links first, then the match edges the engine kept inside its
clusters, strongest first; a union that would put a cannot-linked pair in one group is refused. So a
cannot-link splits a cluster even when other evidence chains the two records, and a must-link that
contradicts a cannot-link (A=B, B=C, A≠C) loses: keeping two people apart is the safer error.

Decisions (one row per decided pair): `source_l, id_l, source_r, id_r, label` with label `match` (same
person), `non_match` (different people) or `unsure` (no constraint; the pair stays in review), and
optionally `reviewer`, `decided_at`, `stale`. A later decision about the same pair replaces an earlier one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from linkage.encode import dense_labels

DECISION_COLUMNS = ["source_l", "id_l", "source_r", "id_r", "label"]
LABELS = ("match", "non_match", "unsure")
STEWARD_RULE = "steward"
_SEP = "\x1f"


@dataclass
class Constrained:
    labels: np.ndarray  # dense cluster label per record
    refused: np.ndarray  # per scored pair: a match edge a cannot-link kept from joining
    must: np.ndarray  # (k, 2) record indices of the must-links applied
    cannot: np.ndarray  # (k, 2) record indices of the cannot-links
    conflicts: list[tuple[int, int]] = field(default_factory=list)  # must-links refused by a cannot-link


def record_key(source: pd.Series, record_id: pd.Series) -> pd.Series:
    return source.astype(str) + _SEP + record_id.astype(str)


def latest_decisions(decisions: pd.DataFrame) -> pd.DataFrame:
    """One row per unordered pair (the last one given), sides ordered so (l, r) is the smaller key first."""
    if decisions is None or decisions.empty:
        return pd.DataFrame(columns=DECISION_COLUMNS)
    d = decisions.reset_index(drop=True).copy()
    unknown = sorted(set(d["label"].astype(str)) - set(LABELS))
    if unknown:
        raise ValueError(f"decision labels must be one of {LABELS}, got {unknown}")
    left, right = record_key(d["source_l"], d["id_l"]), record_key(d["source_r"], d["id_r"])
    swap = (left > right).to_numpy()
    for a in [c for c in d.columns if c.endswith("_l") and c[:-2] + "_r" in d.columns]:  # every side column
        b = a[:-2] + "_r"
        d.loc[swap, [a, b]] = d.loc[swap, [b, a]].to_numpy()
    d["_pair"] = np.where(swap, right + _SEP + left, left + _SEP + right)
    if "decided_at" in d:
        d = d.sort_values("decided_at", kind="stable")
    d = d.drop_duplicates("_pair", keep="last").drop(columns="_pair")
    return d[d[["source_l", "id_l"]].astype(str).agg(_SEP.join, axis=1)
             != d[["source_r", "id_r"]].astype(str).agg(_SEP.join, axis=1)].reset_index(drop=True)  # fmt: skip


def decided_records(keys: pd.Series, decisions: pd.DataFrame, label: str) -> np.ndarray:
    """(k, 2) record indices of the decided pairs with `label` whose two records are both present."""
    chosen = decisions[decisions["label"] == label]
    position = pd.Series(np.arange(len(keys)), index=keys.to_numpy())
    position = position[~position.index.duplicated()]
    left = record_key(chosen["source_l"], chosen["id_l"]).map(position)
    right = record_key(chosen["source_r"], chosen["id_r"]).map(position)
    ok = left.notna() & right.notna()
    return np.column_stack([left[ok].to_numpy(np.int64), right[ok].to_numpy(np.int64)]).reshape(-1, 2)


def constrain_clusters(
    keys: pd.Series,
    labels: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    weight: np.ndarray,
    kept: np.ndarray,
    decisions: pd.DataFrame | None,
) -> Constrained:
    """Apply must-/cannot-links to the engine's clusters.

    `keys`: record key per record (`record_key(source, source_record_id)`); `labels`: the engine's cluster per
    record; `left`, `right`, `weight`: scored pairs; `kept`: the match edges the engine clustered on (match
    decision, not refused by its chaining guard).
    """
    decisions = latest_decisions(decisions)
    refused = np.zeros(len(left), dtype=bool)
    if decisions.empty:
        return Constrained(labels, refused, np.zeros((0, 2), np.int64), np.zeros((0, 2), np.int64))
    must, cannot = decided_records(keys, decisions, "match"), decided_records(keys, decisions, "non_match")
    if not len(must) and not len(cannot):
        return Constrained(labels, refused, must, cannot)
    touched = np.zeros(labels.max() + 1 if len(labels) else 0, dtype=bool)
    touched[labels[must.ravel()]] = True
    split = cannot[labels[cannot[:, 0]] == labels[cannot[:, 1]]]
    touched[labels[split.ravel()]] = True
    members = np.flatnonzero(touched[labels])
    parent = {int(x): int(x) for x in members}
    apart: dict[int, set[int]] = {}  # root → roots it must never join
    for a, b in cannot.tolist():
        if a in parent and b in parent:
            apart.setdefault(a, set()).add(b)
            apart.setdefault(b, set()).add(a)

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: int, b: int) -> bool:
        ra, rb = find(a), find(b)
        if ra == rb:
            return True
        if rb in apart.get(ra, ()):
            return False
        for other in apart.pop(rb, set()):
            apart[other].discard(rb)
            apart[other].add(ra)
            apart.setdefault(ra, set()).add(other)
        parent[rb] = ra
        return True

    conflicts = [(a, b) for a, b in must.tolist() if not union(a, b)]
    inside = np.flatnonzero(kept & touched[labels[left]] & (labels[left] == labels[right]))
    for e in inside[np.lexsort((right[inside], left[inside], -weight[inside]))].tolist():
        if not union(int(left[e]), int(right[e])):
            refused[e] = True
    out = labels.astype(np.int64).copy()
    out[members] = labels.max() + 1 + np.array([find(int(x)) for x in members], dtype=np.int64)
    return Constrained(dense_labels(out).astype(labels.dtype), refused, must, cannot, conflicts)


def annotate_pairs(pairs: pd.DataFrame, decisions: pd.DataFrame | None) -> pd.DataFrame:
    """match_pairs with each decided pair's decision as its evidence: decision match / non_match, blocking rule
    `steward`, a note naming who decided and when. Decided pairs the blocking never scored are appended."""
    decisions = latest_decisions(decisions)
    decisions = decisions[decisions["label"] != "unsure"]
    if decisions.empty:
        return pairs
    pairs = pairs.copy()
    lk, rk = record_key(pairs["source_l"], pairs["id_l"]), record_key(pairs["source_r"], pairs["id_r"])
    pair_key = np.where(lk <= rk, lk + _SEP + rk, rk + _SEP + lk)
    d_key = (
        record_key(decisions["source_l"], decisions["id_l"])
        + _SEP
        + record_key(decisions["source_r"], decisions["id_r"])
    )
    by_key = decisions.assign(_key=d_key.to_numpy()).set_index("_key")  # fmt: skip
    hit = pd.Series(pair_key).isin(by_key.index).to_numpy()
    found = by_key.loc[pair_key[hit]]
    pairs.loc[hit, "decision"] = found["label"].to_numpy()
    pairs.loc[hit, "blocking_rules"] = [f"{STEWARD_RULE},{r}" if r else STEWARD_RULE
                                        for r in pairs.loc[hit, "blocking_rules"]]  # fmt: skip
    pairs.loc[hit, "note"] = [_note(row) for _, row in found.iterrows()]
    missing = by_key[~by_key.index.isin(pair_key)]
    if len(missing):
        extra = missing[["source_l", "id_l", "source_r", "id_r"]].reset_index(drop=True)
        extra["decision"] = missing["label"].to_numpy()
        extra["blocking_rules"] = STEWARD_RULE
        extra["note"] = [_note(row) for _, row in missing.iterrows()]
        pairs = pd.concat([pairs, extra], ignore_index=True)
    return pairs


def _note(row: pd.Series) -> str:
    said = "same person" if row["label"] == "match" else "different people"
    who = f" by {row['reviewer']}" if isinstance(row.get("reviewer"), str) and row.get("reviewer") else ""
    when = f" at {pd.Timestamp(row['decided_at']).isoformat()}" if pd.notna(row.get("decided_at")) else ""
    stale = " (records changed since)" if bool(row.get("stale", False)) else ""
    return f"steward: {said}{who}{when}{stale}"
