"""Candidate pairs: several blocking rules OR-ed, pair counts per rule, giant blocks capped.

Each rule's key is a code per record (one per list element for a list column); records sharing a key form a
block, and every pair inside a block of at most `max_block_size` records is a candidate. Pairs are int64
keys l·n + r, so merging the rules is one sort.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from linkage.config import LIST_COLUMNS, BlockingRule, LinkageConfig
from linkage.encode import EncodedRecords, sorted_unique


@dataclass
class BlockingStats:
    pairs_by_rule: dict[str, int] = field(default_factory=dict)  # pairs each rule finds
    new_pairs_by_rule: dict[str, int] = field(default_factory=dict)  # pairs no earlier rule found
    skipped_keys_by_rule: dict[str, int] = field(default_factory=dict)  # keys over max_block_size
    largest_skipped: dict[str, int] = field(default_factory=dict)
    candidate_pairs: int = 0


@dataclass
class CandidatePairs:
    left: np.ndarray  # int64 rid, left < right, sorted by (left, right)
    right: np.ndarray
    rules: np.ndarray  # int64 bitmask of the rules that found the pair
    first_rule: np.ndarray  # int64 index of the first of them


def group_starts(sorted_keys: np.ndarray) -> np.ndarray:
    """Index of the first element of each run of equal values in a sorted array."""
    if not len(sorted_keys):
        return np.empty(0, dtype=np.int64)
    return np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])


def _combine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """One dense code per (a, b); -1 when either is missing."""
    both = (a >= 0) & (b >= 0)
    out = np.full(len(a), -1, dtype=np.int64)
    out[both] = pd.factorize(a[both] * (int(b.max(initial=0)) + 1) + b[both])[0]
    return out


def rule_keys(records: EncodedRecords, columns: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(rid, key) for every record holding all of `columns` (one entry per element of a list column)."""
    lists = [c for c in columns if c in LIST_COLUMNS]
    if lists:
        col = records.lists[lists[0]]
        rids, key = col.rids(), col.codes
    else:  # the first column's codes are the key as they are (codes are dense already: no factorizing)
        rids, key = np.arange(records.n, dtype=np.int64), None
    for c in columns:
        if c not in LIST_COLUMNS:
            codes = records.scalars[c][rids]
            key = np.asarray(codes, dtype=np.int64) if key is None else _combine(key, codes)
    if key is None:  # no column: every record in one block
        key = np.zeros(records.n, dtype=np.int64)
    keep = key >= 0
    return rids[keep], key[keep]


@dataclass
class Blocks:
    """A rule's blocks: distinct (key, rid) entries sorted by key then rid, where each block starts, the
    records of each block pairs are made in (0 for a block over the cap) and the sizes skipped."""

    rids: np.ndarray
    starts: np.ndarray
    usable: np.ndarray
    skipped: np.ndarray


def blocks_of(rids: np.ndarray, keys: np.ndarray, cap: int) -> Blocks:
    """The blocks of (rid, key) entries, blocks of more than `cap` records skipped."""
    n = int(rids.max()) + 1 if len(rids) else 1
    entries = sorted_unique(keys * n + rids)  # distinct (key, rid), sorted by key then rid
    return sorted_blocks(entries % n, entries // n, cap)


def sorted_blocks(rids: np.ndarray, keys: np.ndarray, cap: int) -> Blocks:
    """blocks_of for distinct (rid, key) entries already sorted by key then rid."""
    starts = group_starts(keys)
    sizes = np.diff(np.r_[starts, len(keys)])
    return Blocks(rids, starts, np.where(sizes > cap, 0, sizes), sizes[sizes > cap])


def pairs_in_blocks(
    rids: np.ndarray, keys: np.ndarray, cap: int, focus: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(left, right) of every pair sharing a key whose block holds 2…cap records, and the skipped sizes.

    `focus` (bool per rid): only the pairs with at least one focus record (an incremental night's new records
    against the whole file); blocks keep their full size, so the cap drops the same keys as a full run.
    """
    blocks = blocks_of(rids, keys, cap)
    if focus is not None:
        left, right = _focus_pairs(blocks.rids, blocks.starts, blocks.usable, focus)
        return left, right, blocks.skipped
    rids, starts, usable = blocks.rids, blocks.starts, blocks.usable
    sizes = np.diff(np.r_[starts, len(rids)])
    offset = np.arange(len(rids)) - np.repeat(starts, sizes)
    partners = np.maximum(np.repeat(usable, sizes) - 1 - offset, 0)  # later records of the same block
    left_pos = np.repeat(np.arange(len(rids), dtype=np.int64), partners)
    first = np.cumsum(partners) - partners
    right_pos = left_pos + 1 + np.arange(len(left_pos), dtype=np.int64) - np.repeat(first, partners)
    return rids[left_pos], rids[right_pos], blocks.skipped


def _focus_pairs(
    rids: np.ndarray,
    starts: np.ndarray,
    usable: np.ndarray,
    focus: np.ndarray,
    done: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Each focus entry paired with every other entry of its (usable) block, as (min, max) rids; `done` (bool
    per rid): records whose pairs were found already (an earlier closure round's focus), left out."""
    mine = np.flatnonzero(focus[rids])
    b = np.searchsorted(starts, mine, side="right") - 1  # the block of each focus entry
    usable_here = usable[b] > 0
    mine, b = mine[usable_here], b[usable_here]
    count = usable[b]
    left_pos = np.repeat(mine, count)
    first = np.cumsum(count) - count
    right_pos = (
        np.repeat(starts[b], count) + np.arange(len(left_pos), dtype=np.int64) - np.repeat(first, count)
    )
    other = left_pos != right_pos
    if done is not None:
        other &= ~done[rids[right_pos]]
    a, c = rids[left_pos[other]], rids[right_pos[other]]
    return np.minimum(a, c), np.maximum(a, c)


def _distinct_sorted(parts: list[np.ndarray]) -> np.ndarray:
    """The distinct values of int64 arrays, sorted: one concatenation sorted in place (no second copy)."""
    values = np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)
    parts.clear()
    values.sort()
    if len(values):
        values = values[np.r_[True, values[1:] != values[:-1]]]
    return values


def block_cache_key(rule: BlockingRule, cap: int) -> tuple:
    """Where `records.cache` keeps a rule's Blocks (an incremental night's rounds pair within them again)."""
    return ("blocks", tuple(rule.columns), cap)


def block(
    records: EncodedRecords,
    config: LinkageConfig,
    focus: np.ndarray | None = None,
    done: np.ndarray | None = None,
) -> tuple[CandidatePairs, BlockingStats]:
    """Candidate pairs (l < r) of all rules and the per-rule counts; with `focus` (bool per record), only
    the pairs touching a focus record, and none touching a `done` one (bool per record, disjoint from
    `focus`: an earlier closure round found its pairs)."""
    stats = BlockingStats()
    n = records.n
    rule_bits = max(int(np.ceil(np.log2(max(len(config.blocking.rules), 2)))), 1)
    found = []  # pair key l·n + r shifted left by rule_bits, or-ed with the rule's index
    for k, rule in enumerate(config.blocking.rules):
        cap = rule.max_block_size or config.blocking.max_block_size
        if focus is None:
            left, right, skipped = pairs_in_blocks(*rule_keys(records, rule.columns), cap)
        else:  # an incremental night's closure rounds pair within the same blocks again
            cached = block_cache_key(rule, cap)
            if cached not in records.cache:
                records.cache[cached] = blocks_of(*rule_keys(records, rule.columns), cap)
            blocks = records.cache[cached]
            left, right = _focus_pairs(blocks.rids, blocks.starts, blocks.usable, focus, done)
            skipped = blocks.skipped
        if config.link_type == "link_only":
            other = records.source[left] != records.source[right]
            left, right = left[other], right[other]
        found.append(((left * n + right) << rule_bits) | k)
        stats.skipped_keys_by_rule[rule.name] = len(skipped)
        stats.largest_skipped[rule.name] = int(skipped.max()) if len(skipped) else 0
    tagged = _distinct_sorted(found)
    # Rule index and bit in small dtypes: these arrays have an entry per (pair, rule), ~1.5× the pairs.
    rule_index = (tagged & ((1 << rule_bits) - 1)).astype(np.int8 if rule_bits < 8 else np.int64)
    tagged >>= rule_bits  # the pair keys l·n + r, in place
    found_by_rule = np.bincount(rule_index, minlength=len(config.blocking.rules))
    starts = group_starts(tagged)
    keys = tagged[starts]
    del tagged
    # The first entry of each pair holds its lowest rule index (entries are sorted within a pair too).
    first_rule = rule_index[starts].astype(np.int64)
    bit = np.int32 if len(config.blocking.rules) <= 31 else np.int64
    rules = (np.bitwise_or.reduceat(np.left_shift(bit(1), rule_index.astype(bit)), starts) if len(starts)
             else np.empty(0, bit)).astype(np.int64)  # fmt: skip
    for k, rule in enumerate(config.blocking.rules):
        stats.pairs_by_rule[rule.name] = int(found_by_rule[k])
        stats.new_pairs_by_rule[rule.name] = int((first_rule == k).sum())
    stats.candidate_pairs = len(keys)
    return CandidatePairs(keys // max(n, 1), keys % max(n, 1), rules, first_rule), stats
