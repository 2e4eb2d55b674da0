"""Candidate pairs on Spark: per rule, records join on the rule's key; blocks over the rule's cap are skipped
(as in linkage/blocking.py); rules are OR-ed into one row per pair with the bitmask and first rule."""

from __future__ import annotations

from typing import TYPE_CHECKING

from linkage.blocking import BlockingStats
from linkage.config import LIST_COLUMNS, LinkageConfig

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


def rule_entries(records: DataFrame, columns: list[str]) -> DataFrame:
    """Distinct (rid, source, key) for every record holding all of `columns` (one per list element)."""
    from pyspark.sql import functions as F

    lists = [c for c in columns if c in LIST_COLUMNS]
    parts = []
    frame = records
    for c in columns:
        name = f"_k_{c}"
        frame = frame.withColumn(name, F.explode(c) if c in lists else F.col(c))
        frame = frame.where(F.col(name).isNotNull() & (F.col(name) != ""))
        parts.append(F.col(name))
    return frame.select("rid", "source", F.array(*parts).alias("key")).distinct()


def candidate_pairs(records: DataFrame, config: LinkageConfig) -> tuple[DataFrame, BlockingStats]:
    """(l, r, rules, first_rule) with l < r, and the per-rule counts of linkage/blocking.py."""
    from pyspark.sql import functions as F

    stats = BlockingStats()
    found = []
    for k, rule in enumerate(config.blocking.rules):
        cap = rule.max_block_size or config.blocking.max_block_size
        entries = rule_entries(records, rule.columns).localCheckpoint()
        sizes = entries.groupBy("key").agg(F.count("*").alias("size"))
        skipped = sizes.where(F.col("size") > cap).agg(F.count("*"), F.max("size")).collect()[0]
        stats.skipped_keys_by_rule[rule.name] = int(skipped[0])
        stats.largest_skipped[rule.name] = int(skipped[1] or 0)
        usable = entries.join(sizes.where((F.col("size") >= 2) & (F.col("size") <= cap)), "key")
        a, b = usable.alias("a"), usable.alias("b")
        condition = (F.col("a.key") == F.col("b.key")) & (F.col("a.rid") < F.col("b.rid"))
        if config.link_type == "link_only":
            condition &= F.col("a.source") != F.col("b.source")
        pairs = a.join(b, condition).select(F.col("a.rid").alias("l"), F.col("b.rid").alias("r")).distinct()
        found.append(pairs.withColumn("rule", F.lit(k)))
    tagged = found[0]
    for more in found[1:]:
        tagged = tagged.unionByName(more)
    tagged = tagged.localCheckpoint()
    by_rule = dict(tagged.groupBy("rule").count().collect())
    candidates = (
        tagged.groupBy("l", "r")
        .agg(
            F.bit_or(F.expr("shiftleft(CAST(1 AS BIGINT), rule)")).alias("rules"),
            F.min("rule").cast("long").alias("first_rule"),
        )
        .localCheckpoint()
    )
    new_by_rule = dict(candidates.groupBy("first_rule").count().collect())
    for k, rule in enumerate(config.blocking.rules):
        stats.pairs_by_rule[rule.name] = int(by_rule.get(k, 0))
        stats.new_pairs_by_rule[rule.name] = int(new_by_rule.get(k, 0))
    stats.candidate_pairs = candidates.count()
    return candidates, stats
