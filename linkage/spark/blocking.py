"""Candidate pairs on Spark: the blocks are found on the driver, the pairs they make on Spark.

The driver holds the encoded record table already, so each rule's keys are its integer codes
(`linkage.blocking.rule_keys`) and its blocks `linkage.blocking.blocks_of`, blocks over the rule's cap skipped
as there; what Spark receives is one row per (block, record) of the blocks that pair anything, the block a
long. The pairs (which grow with the square of the block sizes) are a self-join on that long, the rules OR-ed
into one row per pair with the bitmask and first rule. Joining on integer blocks instead of each record's
exploded string keys cut blocking's CPU several-fold.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from linkage.blocking import BlockingStats, blocks_of, rule_keys
from linkage.config import LinkageConfig
from linkage.encode import EncodedRecords

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame


def block_entries(records: EncodedRecords, config: LinkageConfig, stats: BlockingStats) -> pa.Table:
    """(block, rid, rule, source) of every record in a block of 2…cap records, over all rules (blocks numbered
    across the rules); each rule's skipped keys and largest skipped block go into `stats`."""
    import pyarrow as pa

    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    numbered = 0
    for k, rule in enumerate(config.blocking.rules):
        blocks = blocks_of(
            *rule_keys(records, rule.columns), rule.max_block_size or config.blocking.max_block_size
        )
        sizes = np.diff(np.r_[blocks.starts, len(blocks.rids)])
        block = np.repeat(np.arange(len(sizes), dtype=np.int64), sizes)
        kept = np.repeat(blocks.usable >= 2, sizes)
        parts.append((block[kept] + numbered, blocks.rids[kept], np.full(int(kept.sum()), k, np.int32)))
        numbered += len(sizes)
        stats.skipped_keys_by_rule[rule.name] = len(blocks.skipped)
        stats.largest_skipped[rule.name] = int(blocks.skipped.max()) if len(blocks.skipped) else 0
    block, rid, rule = (np.concatenate([p[i] for p in parts]) for i in range(3))
    return pa.table(
        {"block": block, "rid": rid, "rule": rule, "source": records.source[rid].astype(np.int64)}
    )


def candidate_pairs(entries: DataFrame, config: LinkageConfig, stats: BlockingStats) -> DataFrame:
    """(l, r, rules, first_rule) with l < r from the `block_entries` on Spark; the per-rule pair counts of
    linkage/blocking.py go into `stats`."""
    from pyspark.sql import functions as F

    rules = config.blocking.rules
    a, b = entries.alias("a"), entries.alias("b")
    condition = (F.col("a.block") == F.col("b.block")) & (F.col("a.rid") < F.col("b.rid"))
    if config.link_type == "link_only":
        condition &= F.col("a.source") != F.col("b.source")
    tagged = a.join(b, condition).select(
        F.col("a.rid").alias("l"), F.col("b.rid").alias("r"), F.col("a.rule").alias("rule")
    )
    candidates = (
        tagged.groupBy("l", "r")
        .agg(
            F.bit_or(F.expr("shiftleft(CAST(1 AS BIGINT), rule)")).alias("rules"),
            F.min("rule").cast("long").alias("first_rule"),
        )
        .localCheckpoint()
    )
    # pairs per rule (its bit set) and new pairs per rule (the first rule): one job over the candidates
    counts = candidates.agg(
        *(F.sum(F.expr(f"shiftright(rules, {k}) & 1")).alias(f"p{k}") for k in range(len(rules))),
        *(F.count_if(F.col("first_rule") == k).alias(f"n{k}") for k in range(len(rules))),
    ).collect()[0]
    for k, rule in enumerate(rules):
        stats.pairs_by_rule[rule.name] = int(counts[f"p{k}"] or 0)
        stats.new_pairs_by_rule[rule.name] = int(counts[f"n{k}"] or 0)
    stats.candidate_pairs = sum(stats.new_pairs_by_rule.values())
    return candidates
