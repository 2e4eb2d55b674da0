"""Comparison vectors: one graded level per comparison (−1 missing, 0 disagree … top exact), vectorised.

Equality is on integer codes (linkage/encode.py); string similarity runs in rapidfuzz over the pair
arrays (C++, every core), dates through a character matrix of the column's distinct values.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler, Levenshtein

from linkage.config import Comparison, LinkageConfig
from linkage.encode import EncodedRecords, ListColumn, expand, in_sorted, sorted_unique, value_counts

PairColumns = dict[str, np.ndarray]  # one array per column, one element per candidate pair

PARTIAL_VALUES: dict[str, Callable[[str], str]] = {
    "email_local": lambda x: x.split("@", 1)[0],
    "phone_suffix": lambda x: x[-8:],
}


def _eq(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a == b) & (a >= 0)


def _distinct_pairs(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct unordered (a, b) code pairs and, per input pair, the index of its distinct pair."""
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    width = int(hi.max()) + 1 if len(hi) else 1
    uniq, inverse = np.unique(lo * width + hi, return_inverse=True)
    return uniq // width, uniq % width, inverse


def _jaccard(a: str, b: str) -> float:
    x, y = set(a), set(b)
    return len(x & y) / len(x | y) if x | y else 0.0


def similarity_levels(records: EncodedRecords, a: np.ndarray, b: np.ndarray, c: Comparison) -> np.ndarray:
    """Level from `c.levels` (top − 1 for the first threshold met … 0 for none) of code pairs (a, b)."""
    top = c.n_levels - 1
    level = np.zeros(len(a), dtype=np.int8)
    if not len(a) or not c.levels:
        return level
    distance = c.metric in ("levenshtein", "damerau_levenshtein")
    if c.metric == "jaccard":  # a Python scorer: once per distinct pair of values
        ua, ub, inverse = _distinct_pairs(a, b)
        pairs = zip(records.strings(ua), records.strings(ub), strict=True)
        score = np.fromiter((_jaccard(x, y) for x, y in pairs), dtype=np.float64, count=len(ua))[inverse]
    else:  # rapidfuzz on every pair costs less than finding the distinct ones
        scorer = {"jaro_winkler": JaroWinkler.similarity, "levenshtein": Levenshtein.distance,
                  "damerau_levenshtein": DamerauLevenshtein.distance}[c.metric]  # fmt: skip
        cutoff = max(c.levels) if distance else min(c.levels)  # rapidfuzz stops early past it
        score = process.cpdist(
            records.strings(a),
            records.strings(b),
            scorer=scorer,
            score_cutoff=cutoff,
            dtype=np.float64,
            workers=-1,
        )
    for i, t in reversed(list(enumerate(c.levels))):  # strictest threshold last, so it wins
        level[score <= int(t) if distance else score >= t] = top - 1 - i
    return level


def _name_levels(records: EncodedRecords, c: Comparison, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    own, other = c.column, "given" if c.column == "family" else "family"
    s = records.scalars
    key, okey = f"{own}_key", f"{other}_key"
    # Hanzi names carry pinyin, Cantonese and Wade-Giles keys; Latin names repeat theirs in all three.
    kl = [s[k][left] for k in (key, f"{key}_yue", f"{key}_wg")]
    kr = [s[k][right] for k in (key, f"{key}_yue", f"{key}_wg")]
    ol = [s[k][left] for k in (okey, f"{okey}_yue", f"{okey}_wg")]
    orr = [s[k][right] for k in (okey, f"{okey}_yue", f"{okey}_wg")]
    top = c.n_levels - 1
    exact = _eq(s[f"{own}_name"][left], s[f"{own}_name"][right])
    for i, j in ((0, 0), (1, 1), (2, 2), (0, 1), (0, 2), (1, 0), (2, 0)):
        exact |= _eq(kl[i], kr[j])
    # own key is the other's other key, in any romanisation (吴杰 and 'Ng' typed as the given name, 'Kit' as the family)
    crossed_l = _eq(kl[0], orr[0]) | _eq(kl[1], orr[1]) | _eq(kl[2], orr[2])
    crossed_r = _eq(ol[0], kr[0]) | _eq(ol[1], kr[1]) | _eq(ol[2], kr[2])
    exact |= crossed_l & crossed_r
    g = np.full(len(left), -1, dtype=np.int8)
    present = (kl[0] >= 0) & (kr[0] >= 0)
    g[present] = 0
    rest = present & ~exact
    if c.levels:
        idx = np.flatnonzero(rest)
        g[idx] = similarity_levels(records, kl[0][idx], kr[0][idx], c)
        # A Hanzi name's Cantonese key graded too: Hong Kong spellings vary by a letter ('Ka Wa' for 家華 Wah)
        yue = idx[(kl[1][idx] != kl[0][idx]) | (kr[1][idx] != kr[0][idx])]
        g[yue] = np.maximum(g[yue], similarity_levels(records, kl[1][yue], kr[1][yue], c))
        crossed = rest & (crossed_l | crossed_r)
        if own == "family":  # one side's family name is the other's given name: as good as close
            g[crossed] = np.maximum(g[crossed], top - 1)
        else:
            _swapped_given(records, c, g, crossed_l & rest, ol[0], kr[0])
            _swapped_given(records, c, g, crossed_r & rest, kl[0], orr[0])
    g[present & exact] = top
    return g


def _swapped_given(
    records: EncodedRecords, c: Comparison, g: np.ndarray, crossed: np.ndarray, a: np.ndarray, b: np.ndarray
) -> None:
    """Given-name levels (in place) of pairs where one record's given-name box holds the other's family name
    ('Wang Tongming' typed with First Name = Wang vs 'Wei Wang'): read as swapped, that record's given name
    is its family-name box (`a` / `b`: the given keys so read). The one word in common is the family
    comparison's agreement (close); the given names agree only as far as the swapped reading does."""
    idx = np.flatnonzero(crossed & (a >= 0) & (b >= 0))  # no family name: nothing to read as swapped
    g[idx] = np.maximum(g[idx], similarity_levels(records, a[idx], b[idx], c))


def _fuzzy_levels(records: EncodedRecords, c: Comparison, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    codes = records.scalars[c.column]
    a, b = codes[left], codes[right]
    g = np.where((a >= 0) & (b >= 0), 0, -1).astype(np.int8)
    differ = np.flatnonzero((g == 0) & (a != b))
    g[differ] = similarity_levels(records, a[differ], b[differ], c)
    g[(g == 0) & (a == b)] = c.n_levels - 1
    return g


def _date_levels(records: EncodedRecords, c: Comparison, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """2 same date; 1 one typed digit wrong, two adjacent digits swapped or day and month swapped; 0 else."""
    codes = records.scalars[c.column]
    a, b = codes[left], codes[right]
    g = np.where((a >= 0) & (b >= 0), 0, -1).astype(np.int8)
    g[(g == 0) & (a == b)] = 2
    differ = np.flatnonzero(g == 0)
    if len(differ):
        if ("dates", c.column) not in records.cache:  # once per night (an incremental night's rounds)
            records.cache["dates", c.column] = _char_matrix(records, codes)
        chars, length, row = records.cache["dates", c.column]
        g[differ] = _near_dates(chars, length, row[a[differ]], row[b[differ]])
    return g


def _char_matrix(records: EncodedRecords, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each distinct value of a column as a row of character codes (zero-padded), its length, and the row
    of every vocabulary code."""
    used = sorted_unique(codes[codes >= 0])
    text = records.strings(used).astype(str)
    width = max(10, int(np.char.str_len(text).max()) if len(text) else 0)
    chars = np.asarray(text, dtype=f"<U{width}").view(np.uint32).reshape(len(text), width)
    if chars.size and chars.max() < 256:
        chars = chars.astype(np.uint8)  # a quarter of the memory traffic
    row = np.full(len(records.vocab), -1, dtype=np.int64)
    row[used] = np.arange(len(used))
    return chars, np.char.str_len(text), row


def _near_dates(chars: np.ndarray, length: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """1 where dates (rows a, b of `chars`) differ by one character, two adjacent swapped characters
    (equal lengths) or swapped month and day (ISO dates); 0 else."""
    x, y = chars[a], chars[b]
    differ = x != y
    hamming = differ.sum(axis=1)
    # Two differing positions next to each other, each holding the other's character: a transposition.
    swapped_pair = (x[:, :-1] == y[:, 1:]) & (x[:, 1:] == y[:, :-1]) & differ[:, :-1] & differ[:, 1:]
    transposed = (hamming == 2) & swapped_pair.any(axis=1)
    month_day = (
        (x[:, :4] == y[:, :4]).all(1) & (x[:, 5:7] == y[:, 8:10]).all(1) & (x[:, 8:10] == y[:, 5:7]).all(1)
    )
    near = ((length[a] == length[b]) & ((hamming <= 1) | transposed)) | month_day
    return near.astype(np.int8)


# Pairs whose values shared_values expands at once (its temporaries: a few int64 per value).
SHARED_CHUNK = 1_000_000


def shared_values(col: ListColumn, left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(pair index, value code) for every value the two records of a pair both hold, in pair order; the
    pairs' values are expanded SHARED_CHUNK pairs at a time (all candidate pairs: ~12M at 1M source rows)."""
    # (record, code) keys, ascending as the CSR holds them: looked up by binary search, not a hash table of
    # the whole column
    held, width = col.held
    pairs, codes = [np.empty(0, np.int64)], [np.empty(0, col.codes.dtype)]
    for start in range(0, len(left), SHARED_CHUNK):
        rows = slice(start, start + SHARED_CHUNK)
        # the right records' values looked up with the left record: pairs come in (l, r) order, so the
        # looked-up keys ascend nearly everywhere and the binary searches stay in cache (several times faster)
        owner, values = expand(col, right[rows])
        hit = in_sorted(left[rows][owner] * width + values, held)
        pairs.append(owner[hit] + start)
        codes.append(values[hit])
    return np.concatenate(pairs), np.concatenate(codes)


def _overlap_levels(
    records: EncodedRecords, c: Comparison, left: np.ndarray, right: np.ndarray
) -> tuple[np.ndarray, np.ndarray | None]:
    col = records.lists[c.column]
    lengths = col.lengths
    g = np.where((lengths[left] > 0) & (lengths[right] > 0), 0, -1).astype(np.int8)
    both = np.flatnonzero(g == 0)  # only pairs whose records both hold a value may share one
    if c.partial:
        mapped = records.mapped_list(c.column, PARTIAL_VALUES[c.partial])
        pair, _ = shared_values(mapped, left[both], right[both])
        g[both[pair]] = 1
    pair, values = shared_values(col, left[both], right[both])
    pair = both[pair]
    g[pair] = c.n_levels - 1
    if not c.term_frequency:
        return g, None
    # The rarest value the two share: share of records (holding any value) that hold it.
    counts, holders = value_counts(records, c.column)
    holders = max(holders, 1)
    tf = np.full(len(left), np.nan)
    np.fmin.at(tf, pair, counts[values] / holders)
    return g, tf


def tf_source(c: Comparison) -> str:
    """The record column holding the values comparison `c` compares (their frequencies adjust it)."""
    return f"{c.column}_key" if c.kind == "name" else c.column


def tf_column(c: Comparison) -> str | None:
    """The record column whose value frequencies adjust comparison `c` (scalar comparisons)."""
    if not c.term_frequency or c.kind == "overlap":
        return None
    return tf_source(c)


def value_frequencies(records: EncodedRecords, column: str) -> np.ndarray:
    """Per record: the share of records holding a value in `column` that hold the same value (NaN if none)."""
    counted = value_counts(records, column)
    cached = records.cache.get(("frequencies", column))
    if cached is not None and cached[0] is counted:  # per record once (an incremental night's rounds)
        return cached[1]
    codes = records.scalars[column]
    present = codes >= 0
    counts, holders = counted
    out = np.full(records.n, np.nan)
    out[present] = counts[codes[present]] / max(holders, 1)
    out.flags.writeable = False
    records.cache["frequencies", column] = (counted, out)
    return out


def pair_frequency(freq: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """A pair's term frequency from its records' (value_frequencies): the commoner value's."""
    return np.fmax(freq[left], freq[right])


# A call with at least this many pairs compares them in `workers` threads, a slice of the pairs each (numpy and
# rapidfuzz release the GIL for the arrays' work): an incremental night's closure rounds, on the link step's
# critical path while the second core is idle (451k pairs at 150k customers: 0.46 -> 0.26 s on two cores).
PARALLEL_PAIRS = 50_000


def compare(
    records: EncodedRecords,
    config: LinkageConfig,
    left: np.ndarray,
    right: np.ndarray,
    tf: bool = True,
    extra: PairColumns | None = None,
    workers: int = 1,
) -> PairColumns:
    """`extra` columns, then g_<comparison> (int8) for each pair (left[i], right[i]), plus tf_<comparison>
    when `tf` (the frequency of the agreeing value for term-frequency-adjusted comparisons). `workers` > 1:
    the pairs compared a slice per thread when there are PARALLEL_PAIRS of them, the columns the same."""
    out: PairColumns = dict(extra or {})
    if workers < 2 or len(left) < PARALLEL_PAIRS:
        out.update(_levels(records, config, left, right, tf))
        return out
    bounds = np.linspace(0, len(left), workers + 1).astype(np.int64).tolist()
    slices = [slice(a, b) for a, b in itertools.pairwise(bounds)]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="compare") as pool:
        parts = list(pool.map(lambda rows: _levels(records, config, left[rows], right[rows], tf), slices))
    out.update({name: np.concatenate([part[name] for part in parts]) for name in parts[0]})
    return out


def _levels(
    records: EncodedRecords, config: LinkageConfig, left: np.ndarray, right: np.ndarray, tf: bool
) -> PairColumns:
    """compare()'s g_ and tf_ columns of the pairs (left[i], right[i])."""
    out: PairColumns = {}
    for c in config.comparisons:
        tf_values = None
        if c.kind == "name":
            g = _name_levels(records, c, left, right)
        elif c.kind == "overlap":
            g, tf_values = _overlap_levels(records, c, left, right)
        elif c.kind == "date":
            g = _date_levels(records, c, left, right)
        elif c.kind == "exact":
            a, b = records.scalars[c.column][left], records.scalars[c.column][right]
            g = np.where((a >= 0) & (b >= 0), (a == b).astype(np.int8), -1).astype(np.int8)
        else:
            g = _fuzzy_levels(records, c, left, right)
        out[f"g_{c.name}"] = g
        column = tf_column(c)
        if tf and column is not None:
            tf_values = pair_frequency(value_frequencies(records, column), left, right)
        if tf and c.term_frequency and tf_values is not None:
            out[f"tf_{c.name}"] = tf_values
    return out
