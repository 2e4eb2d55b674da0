"""Candidate pairs compared and scored in bounded chunks: per pair the engine holds levels, not weights.

At a million source rows blocking finds ~12M candidate pairs, most of them clear non-matches. Holding each
one's level, term frequency and float64 weight per comparison until the end took ~650 bytes a pair (8 GB).
Here every chunk of `CHUNK_PAIRS` pairs is compared once, and the store keeps per pair its record ids and
rule mask, one int8 level per comparison, and for the overlap comparisons the frequency of the shared value
only where there is one (sparse). Everything else is recomputed per chunk when needed: scalar term
frequencies from the records' value frequencies, the weights from levels and frequencies. Both are
element-wise, so a chunk's values are exactly the whole array's. EM reads pattern counts summed over the
chunks (linkage/score.py `comparison_patterns`), never the pairs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from linkage.blocking import CandidatePairs
from linkage.compare import PairColumns, compare, pair_frequency, tf_column, value_frequencies
from linkage.config import LinkageConfig
from linkage.encode import EncodedRecords
from linkage.score import comparison_patterns, merge_patterns

CHUNK_PAIRS = 1_000_000  # pairs compared or weighed at once (a few hundred MB of temporaries at most)
NEGATIVE = "any_negative"  # the one weight column the stages after scoring read: -1 where a weight is < 0

Weigh = Callable[[PairColumns], PairColumns]  # pair columns (levels, frequencies) → weight_<comparison>


def chunk_slices(n: int, size: int | None = None) -> Iterator[slice]:
    """Consecutive slices of at most `size` (CHUNK_PAIRS) of n pairs."""
    size = size or CHUNK_PAIRS
    for start in range(0, n, size):
        yield slice(start, min(start + size, n))


@dataclass
class PairStore:
    """Every candidate pair ((l, r) ascending, as blocked): what scoring and the output need, compactly."""

    left: np.ndarray  # int64 record index
    right: np.ndarray
    rules: np.ndarray  # bitmask of the rules that found the pair (smallest unsigned dtype)
    first_rule: np.ndarray  # int8 index of the first of them
    levels: PairColumns  # g_<comparison>, int8
    overlap_tf: dict[str, tuple[np.ndarray, np.ndarray]]  # tf_<comparison> → (pair index, frequency)
    scalar_tf: dict[str, np.ndarray]  # tf_<comparison> → per record frequency (the pair's is the larger)
    patterns: pd.DataFrame  # comparison_patterns of all pairs

    def __len__(self) -> int:
        return len(self.rules)

    def columns(self, rows: slice | np.ndarray) -> PairColumns:
        """l, r, rules, first_rule, g_… and tf_… of the pairs `rows`, as compare() gives them."""
        left, right = self.left[rows], self.right[rows]
        out: PairColumns = {"l": left, "r": right, "rules": self.rules[rows].astype(np.int64),
                            "first_rule": self.first_rule[rows].astype(np.int64)}  # fmt: skip
        out.update({k: v[rows] for k, v in self.levels.items()})
        for name, freq in self.scalar_tf.items():
            out[name] = pair_frequency(freq, left, right)
        index = np.arange(rows.start, rows.stop) if isinstance(rows, slice) else rows
        for name, (at, value) in self.overlap_tf.items():
            tf = np.full(len(index), np.nan)
            if len(at):
                pos = np.minimum(np.searchsorted(at, index), len(at) - 1)
                hit = at[pos] == index
                tf[hit] = value[pos[hit]]
            out[name] = tf
        return out

    def hand_over(self) -> PairColumns:
        """l, r and every level of all pairs, which the store stops holding until `take_back`: the stages
        after scoring extend these columns (evidence completion), and the originals can go meanwhile."""
        out = {"l": self.left, "r": self.right, **self.levels}
        self.left = self.right = np.empty(0, np.int64)
        self.levels = {}
        return out

    def take_back(self, columns: PairColumns, n: int) -> None:
        """The first `n` rows of `columns` (hand_over's columns, extended) as the store's own again."""
        self.left, self.right = columns["l"][:n], columns["r"][:n]
        self.levels = {k: v[:n] for k, v in columns.items() if k.startswith("g_")}


def _smallest_uint(values: np.ndarray) -> np.ndarray:
    return values.astype(np.min_scalar_type(int(values.max()) if len(values) else 0))


def compare_pairs(
    records: EncodedRecords, config: LinkageConfig, pairs: CandidatePairs, size: int | None = None
) -> PairStore:
    """compare() chunk by chunk into a PairStore, with the comparison patterns EM fits on."""
    n = len(pairs.left)
    levels = {f"g_{c.name}": np.empty(n, np.int8) for c in config.comparisons}
    scalar = {f"tf_{c.name}": value_frequencies(records, tf_column(c)) for c in config.comparisons
              if c.term_frequency and tf_column(c) is not None}  # fmt: skip
    sparse: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {
        f"tf_{c.name}": [(np.empty(0, np.int64), np.empty(0))] for c in config.comparisons
        if c.term_frequency and c.kind == "overlap"
    }  # fmt: skip
    found = []
    for rows in chunk_slices(n, size):
        extra = {"rules": pairs.rules[rows]}
        cmp = compare(records, config, pairs.left[rows], pairs.right[rows], extra=extra)
        for name, column in levels.items():
            column[rows] = cmp[name]
        for name in cmp:
            if name in sparse:
                known = np.flatnonzero(~np.isnan(cmp[name]))
                sparse[name].append((known + rows.start, cmp[name][known]))
        found.append(comparison_patterns(cmp, config))
    overlap = {
        k: (np.concatenate([a for a, _ in v]), np.concatenate([b for _, b in v])) for k, v in sparse.items()
    }
    return PairStore(pairs.left, pairs.right, _smallest_uint(pairs.rules), pairs.first_rule.astype(np.int8),
                     levels, overlap, scalar, merge_patterns(found, config))  # fmt: skip


def weigh_chunks(store: PairStore, weigh: Weigh, size: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per pair: the sum of its weights (bits, no prior) and -1 where any weight is negative (else 0)."""
    total = np.zeros(len(store))
    negative = np.zeros(len(store), np.int8)
    for rows in chunk_slices(len(store), size):
        weights = weigh(store.columns(rows))
        part = total[rows]
        for w in weights.values():  # the order engine.summed_weights adds them in
            part += w
        negative[rows] = -negative_weights(weights, len(part))
    return total, negative


def negative_weights(weights: PairColumns, n: int) -> np.ndarray:
    """1 where any weight of the pair is negative (what the chaining guard reads as contradicting), int8."""
    out = np.zeros(n, dtype=bool)
    for w in weights.values():
        out |= w < 0
    return out.astype(np.int8)
