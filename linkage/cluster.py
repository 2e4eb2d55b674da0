"""Clusters from match edges: connected components, with a guard against chaining through weak bridges.

Inside a component of three or more records, match edges are replayed strongest first; two groups merge
only if the average match weight over every scored pair between them reaches `min_average_weight`. So a
shared household or switchboard phone cannot chain people whose own records disagree.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    graph = coo_matrix((np.ones(len(left)), (left, right)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


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
    `veto_weight`: two groups never merge while any scored pair between them weighs less than this.
    """
    labels = components(n, left[is_match], right[is_match])
    refused = np.zeros(len(left), dtype=bool)
    sizes = np.bincount(labels, minlength=labels.max() + 1 if n else 0)
    same = labels[left] == labels[right]
    # Only components holding a pair weaker than the guard's bar can refuse a merge: replay just those.
    bar = min_average_weight if veto_weight is None else max(min_average_weight, veto_weight)
    weakest = np.full(len(sizes), np.inf)
    np.minimum.at(weakest, labels[left[same]], weight[same])
    suspect = (sizes >= 3) & (weakest < bar)
    inside = same & suspect[labels[left]]
    if not inside.any():
        return labels, refused
    parent: dict[int, int] = {}
    adjacency: dict[int, dict[int, list[float]]] = {}
    for a, b, w in zip(left[inside].tolist(), right[inside].tolist(), weight[inside].tolist(), strict=True):
        for x, y in ((a, b), (b, a)):
            entry = adjacency.setdefault(x, {}).setdefault(y, [0.0, 0, np.inf])
            entry[0] += w
            entry[1] += 1
            entry[2] = min(entry[2], w)
    for node in adjacency:
        parent[node] = node
    size = dict.fromkeys(adjacency, 1)

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    edges = np.flatnonzero(inside & is_match)
    order = edges[np.lexsort((right[edges], left[edges], -weight[edges]))]
    for e in order.tolist():
        a, b = find(int(left[e])), find(int(right[e]))
        if a == b:
            continue
        total, count, lowest = adjacency[a][b]
        if total / count < min_average_weight or (veto_weight is not None and lowest < veto_weight):
            refused[e] = True
            continue
        small, large = (a, b) if (size[a], b) < (size[b], a) else (b, a)
        for other, (s, c, low) in adjacency.pop(small).items():
            if other == large:
                continue
            entry = adjacency[large].setdefault(other, [0.0, 0, np.inf])
            entry[0] += s
            entry[1] += c
            entry[2] = min(entry[2], low)
            back = adjacency[other]
            back.pop(small)
            back[large] = entry  # the same totals seen from the other side
        adjacency[large].pop(small, None)
        parent[small] = large
        size[large] += size[small]
    # Relabel guarded components by their union-find roots (fresh labels past the existing ones).
    relabel = labels.copy()
    nodes = np.fromiter(parent.keys(), dtype=np.int64)
    roots = np.array([find(int(x)) for x in nodes], dtype=np.int64)
    relabel[nodes] = labels.max() + 1 + roots
    _, dense = np.unique(relabel, return_inverse=True)
    return dense, refused
