"""Clusters from match edges: connected components, with a guard against chaining through weak bridges.

Inside a component of three or more records that holds a weak pair, match edges are replayed strongest
first. Two groups do not merge when any scored pair between them is below `veto_weight` (clearly different
people), or when the bridging edge does not outweigh the negative evidence between them
(edge + Σ negative cross-pair weights < `min_average_weight`). So a shared household or switchboard phone
cannot chain people whose own records disagree. Only negative pairs are tracked, so the cost follows the
contradicting evidence, not the size of the component.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from linkage.blocking import pairs_in_blocks
from linkage.encode import dense_labels


def components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    graph = coo_matrix((np.ones(len(left)), (left, right)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def unscored_pairs(
    n: int, left: np.ndarray, right: np.ndarray, is_match: np.ndarray, max_size: int
) -> tuple[np.ndarray, np.ndarray]:
    """(left, right) of the record pairs inside a match component of 3…max_size records that were not
    scored (no blocking rule paired them). Scoring them gives the guard every piece of contradicting
    evidence inside a component: two people joined through a chain of shared phones and mailboxes are
    then kept apart by their own records, however long the chain, instead of only where blocking happened
    to pair them."""
    labels = components(n, left[is_match], right[is_match])
    sizes = np.bincount(labels, minlength=1)
    chosen = np.flatnonzero((sizes >= 3) & (sizes <= max_size))
    if not len(chosen) or max_size < 3:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    rids = np.flatnonzero(np.isin(labels, chosen)).astype(np.int64)
    a, b, _ = pairs_in_blocks(rids, labels[rids].astype(np.int64), max_size)
    scored = left.astype(np.int64)  # left * n + right, sorted, with no other pair-sized temporary
    scored *= n
    scored += right
    scored.sort()
    wanted = a * n + b
    pos = np.searchsorted(scored, wanted)
    known = (pos < len(scored)) & (scored[np.minimum(pos, len(scored) - 1)] == wanted)
    return a[~known], b[~known]


def guarded_clusters(
    n: int,
    left: np.ndarray,
    right: np.ndarray,
    weight: np.ndarray,
    is_match: np.ndarray,
    min_average_weight: float = 0.0,
    veto_weight: float | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Cluster label per record (0…n-1) and a mask of the match edges the guard refused.

    `left`, `right`, `weight`: every scored candidate pair; `is_match`: the pairs above the match threshold.
    """
    labels = components(n, left[is_match], right[is_match])
    refused = np.zeros(len(left), dtype=bool)
    if n == 0:
        return labels, refused
    sizes = np.bincount(labels, minlength=labels.max() + 1)
    same = labels[left] == labels[right]
    negative = same & (weight < 0) & (sizes[labels[left]] >= 3)
    if not negative.any():
        return labels, refused
    suspect = np.zeros(len(sizes), dtype=bool)
    suspect[labels[left[negative]]] = True
    # Contradicting evidence between current groups: group → {other group: [sum of weights, lowest weight]}.
    against: dict[int, dict[int, list[float]]] = {}
    for a, b, w in zip(
        left[negative].tolist(), right[negative].tolist(), weight[negative].tolist(), strict=True
    ):
        for x, y in ((a, b), (b, a)):
            entry = against.setdefault(x, {}).setdefault(y, [0.0, 0.0])
            entry[0] += w
            entry[1] = min(entry[1], w)
    edges = np.flatnonzero(is_match & same & suspect[labels[left]])
    nodes = np.unique(np.concatenate([left[edges], right[edges]]))
    parent = {int(x): int(x) for x in nodes}
    size = dict.fromkeys(parent, 1)

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    order = edges[np.lexsort((right[edges], left[edges], -weight[edges]))]
    for e in order.tolist():
        a, b = find(int(left[e])), find(int(right[e]))
        if a == b:
            continue
        total, lowest = against.get(a, {}).get(b, (0.0, 0.0))
        if (veto_weight is not None and lowest < veto_weight) or weight[e] + total < min_average_weight:
            refused[e] = True
            continue
        small, large = (a, b) if (size[a], b) < (size[b], a) else (b, a)
        for other, (s, low) in against.pop(small, {}).items():
            if other == large:
                continue
            entry = against.setdefault(large, {}).setdefault(other, [0.0, 0.0])
            entry[0] += s
            entry[1] = min(entry[1], low)
            back = against[other]
            back.pop(small, None)
            back[large] = entry
        against.get(large, {}).pop(small, None)
        parent[small] = large
        size[large] += size[small]
    relabel = labels.copy()
    members = np.fromiter(parent.keys(), dtype=np.int64)
    roots = np.array([find(int(x)) for x in members], dtype=np.int64)
    relabel[members] = labels.max() + 1 + roots
    return dense_labels(relabel), refused


def guard_weights(match_weight: np.ndarray, weights: dict[str, np.ndarray]) -> np.ndarray:
    """The weights the chaining guard reads: a pair whose comparisons contradict nothing (each agrees or is
    missing: an order keyed by a CRM id with no field, a survey answer with the same e-mail) is no evidence
    against joining, whatever the prior makes of it; its negative total is read as 0."""
    contradicts = np.zeros(len(match_weight), dtype=bool)
    for w in weights.values():
        contradicts |= w < 0
    out = match_weight.copy()  # np.where(contradicts, w, max(w, 0)) without a second pair-sized array
    np.maximum(out, 0.0, out=out, where=~contradicts)
    return out
