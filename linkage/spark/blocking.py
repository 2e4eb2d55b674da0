"""Candidate pairs on Spark: per rule, records join on the rule's key; blocks over the rule's cap are skipped
(as in linkage/blocking.py); rules are OR-ed into one row per pair with the bitmask and first rule."""

from __future__ import annotations

from typing import TYPE_CHECKING

from linkage.blocking import BlockingStats
from linkage.config import LIST_COLUMNS, LinkageConfig

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


def rule_keys(columns: list[str]):
    """A record's keys for a rule on `columns`: every combination of its values (one per list element),
    as an array of arrays; none when a column is empty."""
    from pyspark.sql import functions as F

    def values(c: str):
        held = F.col(c) if c in LIST_COLUMNS else F.array(F.col(c))
        return F.filter(
            F.coalesce(held, F.array().cast("array<string>")), lambda x: x.isNotNull() & (x != "")
        )

    def extend(c: str):  # (a key so far) → that key with each value of c (one-argument lambdas for Spark)
        return lambda k: F.transform(values(c), lambda x: F.concat(k, F.array(x)))

    keys = F.transform(values(columns[0]), lambda x: F.array(x))
    for c in columns[1:]:
        keys = F.flatten(F.transform(keys, extend(c)))
    return keys


def rule_entries(records: DataFrame, rules: list[list[str]]) -> DataFrame:
    """Distinct (rid, source, rule, key) for every record and rule (by position in `rules`) whose columns
    the record all holds: one pass over the records for every rule."""
    from pyspark.sql import functions as F

    def tag(k: int):
        return lambda key: F.struct(F.lit(k).alias("rule"), key.alias("key"))

    tagged = [F.transform(rule_keys(columns), tag(k)) for k, columns in enumerate(rules)]
    entry = F.explode(F.concat(*tagged)).alias("entry")
    return (
        records.select("rid", "source", entry).select("rid", "source", "entry.rule", "entry.key").distinct()
    )


def candidate_pairs(records: DataFrame, config: LinkageConfig) -> tuple[DataFrame, BlockingStats]:
    """(l, r, rules, first_rule) with l < r, and the per-rule counts of linkage/blocking.py. All rules in one
    plan: entries tagged with their rule, blocks keyed by (rule, key), each rule's cap a column."""
    from pyspark.sql import functions as F

    rules = config.blocking.rules
    entries = rule_entries(records, [rule.columns for rule in rules])
    caps = F.create_map(
        *(
            x
            for k, r in enumerate(rules)
            for x in (F.lit(k), F.lit(r.max_block_size or config.blocking.max_block_size))
        )
    )
    entries = entries.localCheckpoint()
    sizes = (
        entries.groupBy("rule", "key").agg(F.count("*").alias("size")).withColumn("cap", caps[F.col("rule")])
    )
    skipped = dict(
        (row["rule"], (row["keys"], row["largest"]))
        for row in sizes.where("size > cap")
        .groupBy("rule")
        .agg(F.count("*").alias("keys"), F.max("size").alias("largest"))
        .collect()
    )
    usable = entries.join(sizes.where("size >= 2 AND size <= cap").select("rule", "key"), ["rule", "key"])
    a, b = usable.alias("a"), usable.alias("b")
    condition = (
        (F.col("a.rule") == F.col("b.rule"))
        & (F.col("a.key") == F.col("b.key"))
        & (F.col("a.rid") < F.col("b.rid"))
    )
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
    by_rule = {k: counts[f"p{k}"] or 0 for k in range(len(rules))}
    new_by_rule = {k: counts[f"n{k}"] or 0 for k in range(len(rules))}
    stats = BlockingStats()
    for k, rule in enumerate(rules):
        keys, largest = skipped.get(k, (0, 0))
        stats.skipped_keys_by_rule[rule.name] = int(keys)
        stats.largest_skipped[rule.name] = int(largest or 0)
        stats.pairs_by_rule[rule.name] = int(by_rule.get(k, 0))
        stats.new_pairs_by_rule[rule.name] = int(new_by_rule.get(k, 0))
    stats.candidate_pairs = sum(new_by_rule.values())
    return candidates, stats
