"""The stages after scoring on Spark, per connected component: the driver never holds the scored pairs.

What each stage of `linkage.engine.finish_link` needs beyond a component's own records and pairs is computed
first, over the whole file, and handed to the components:

1. steward labels (linkage/learn.py): the labelled pairs (few) are collected and the correction fitted on the
   driver; it is applied to every pair in `mapInPandas` with the decision (`decide`).
2. evidence completion: components of the match edges (large-star/small-star, components.py), then the unscored
   pairs inside those of 3…`complete_evidence_max_size` records, compared and weighted on Spark.
3. personal values (linkage/contact_points.py): whether an e-mail or phone is one person's reads every
   candidate pair holding it. The engine's `personal_values` runs on the driver over the record table and the
   only pairs that can spoil a value (different given names, a shared e-mail or phone); each record then
   carries its personal values as a column.
4. components: of every edge a stage can join records through: match edges, reference pairs, pairs sharing a
   personal value (contact-point attachment), steward must-links, and each record a mistyped e-mail could
   attach with every record holding a mailbox one keystroke from it (mistyped.py: found on the driver over
   the whole file; such a record usually has no candidate pair at all).
5. per component (`cogroup(...).applyInPandas` over groups of whole components, a few per core):
   `linkage.engine.resolve_clusters` on the group's records and pairs: households, references, the chaining
   guard, must-/cannot-links, contact points, mistyped e-mails (with the file's facts: which records hold
   e-mails nobody else holds, how many records hold each name), in the local engine's order. It returns a
   label per record and the pairs match_pairs keeps (match, review) with their notes.
6. the driver: labels of the lone records, then ids and the output tables (`linkage.engine.link_outputs`).
   Review pairs between two components are kept as scored.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd

from linkage.config import LinkageConfig
from linkage.constraints import decided_records, latest_decisions, record_key
from linkage.contact_points import PersonalValues, attach_mistyped_records, name_counts, personal_values
from linkage.engine import (
    MATCH,
    NON_MATCH,
    LinkageResult,
    Outcome,
    RecordTable,
    RunContext,
    link_outputs,
    resolve_clusters,
    stage_counts,
    stored_weights,
)
from linkage.learn import fit_correction, pair_labels
from linkage.namesakes import namesakes_by_levels
from linkage.score import Parameters
from linkage.spark.compare import compare_pairs, encoded_with_counts
from linkage.spark.components import connected_components
from linkage.spark.mistyped import typo_candidates, typo_edges
from linkage.spark.records import record_columns, tf_columns
from linkage.spark.score import corrected, weight_names, weighted_decisions, with_weights

if TYPE_CHECKING:
    from pyspark import Broadcast
    from pyspark.sql import DataFrame, SparkSession

# Record columns the stages after scoring read (contact points, households), besides the comparisons' own.
RESOLVE_COLUMNS = ("family_key", "given_key", "emails", "phones", "phone_types", "wechat_id")
STAT_COLUMNS = ("reference_links", "contact_point_attached", "contact_point_ambiguous", "household_guard_pairs",
                "conflicts")  # fmt: skip


class Scoring(NamedTuple):
    """The fitted model and how the pairs were weighted (for the pairs completion adds)."""

    params: Parameters
    base: float
    tf_records: dict[str, int]
    holders: dict[str, int]
    encoded: Broadcast | None = None  # the broadcast encoded record table (compare.broadcast_records)


def _decided_rids(rec: pd.DataFrame, decisions: pd.DataFrame | None, label: str) -> np.ndarray:
    """(k, 2) rids of the decided pairs with `label` whose two records are present (rid = row of `rec`)."""
    if decisions is None or not len(decisions):
        return np.zeros((0, 2), np.int64)
    return decided_records(
        record_key(rec["source"], rec["source_record_id"]), latest_decisions(decisions), label
    )


def _correct(
    spark: SparkSession, pairs: DataFrame, rec: pd.DataFrame, config: LinkageConfig, scoring: Scoring,
    decisions: pd.DataFrame | None,
) -> tuple[DataFrame, dict]:  # fmt: skip
    """The pairs corrected by the stewards' labels (fitted on the driver from the labelled pairs only, in the
    engine's (l, r) order), with probability and decision; and fit_correction's summary."""
    from pyspark.sql import functions as F

    decided = np.concatenate([_decided_rids(rec, decisions, label) for label in ("match", "non_match")])
    keys = record_key(rec["source"], rec["source_record_id"])
    columns = ["l", "r", *weight_names(config), *(f"g_{c.name}" for c in config.comparisons)]
    labelled = pd.DataFrame({k: np.zeros(0, np.int64 if k in ("l", "r") else float) for k in columns})
    if len(decided):
        ends = pd.DataFrame({"l": decided.min(axis=1), "r": decided.max(axis=1)}).drop_duplicates()
        wanted = spark.createDataFrame(ends, "l long, r long")
        labelled = pairs.join(F.broadcast(wanted), ["l", "r"]).select(*columns).toPandas()
        labelled = labelled.sort_values(["l", "r"], ignore_index=True)
    left, right = labelled["l"].to_numpy(np.int64), labelled["r"].to_numpy(np.int64)
    y = pair_labels(keys, left, right, decisions)
    weights = {k: labelled[k].to_numpy(float) for k in weight_names(config)}
    levels = {f"g_{c.name}": labelled[f"g_{c.name}"].to_numpy() for c in config.comparisons}
    correction, learned = fit_correction(weights, levels, scoring.base, y, config)
    if correction is None:
        return pairs, learned
    return weighted_decisions(pairs, corrected(config, correction, scoring.base + correction.intercept),
                              config), learned  # fmt: skip


def _completed(
    pairs: DataFrame, records: DataFrame, config: LinkageConfig, scoring: Scoring,
    save: Callable[[str, DataFrame], DataFrame],
) -> DataFrame:  # fmt: skip
    """The pairs plus the unscored ones inside each match component of 3…max records (engine's
    complete_components), weighted as scored (uncorrected, as the engine's `score`); `extra` and `order` (the
    component's smallest rid) give the engine's pair order. Only the added pairs are written (`save`): the
    scored pairs are not rewritten."""
    from pyspark.sql import functions as F

    pairs = pairs.withColumns({"extra": F.lit(False), "order": F.lit(0).cast("long")})
    max_size = config.clustering.complete_evidence_max_size
    if max_size < 3:
        return pairs
    levels = {f"g_{c.name}": F.col(f"g_{c.name}") for c in config.comparisons}
    namesake = namesakes_by_levels(levels, config, F.lit(False)) & ~F.col("is_reference")
    edges = pairs.where((F.col("decision") == MATCH) & ~namesake).select(
        F.col("l").alias("a"), F.col("r").alias("b")
    )
    members = connected_components(edges)
    sizes = members.groupBy("component").count().where(f"count >= 3 AND count <= {max_size}")
    chosen = members.join(sizes.select("component"), "component")
    a, b = chosen.alias("a"), chosen.alias("b")
    inside = a.join(b, (F.col("a.component") == F.col("b.component")) & (F.col("a.rid") < F.col("b.rid")))
    inside = inside.select(F.col("a.rid").alias("l"), F.col("b.rid").alias("r"),
                           F.col("a.component").alias("order"))  # fmt: skip
    unset = {"rules": F.lit(0).cast("long"), "first_rule": F.lit(-1).cast("long"), "is_reference": F.lit(False),
             "ref_evidence": F.lit(""), "extra": F.lit(True)}  # fmt: skip
    # the scored pairs among them found by streaming the pairs past the (few) inside pairs: no shuffle of every pair
    scored = pairs.select("l", "r").join(F.broadcast(inside.select("l", "r")), ["l", "r"], "left_semi")
    unscored = inside.join(scored, ["l", "r"], "left_anti").withColumns(unset)
    compared = compare_pairs(unscored, records, config, scoring.holders, encoded=scoring.encoded)
    params = scoring.params
    run = with_weights(config, params.m, params.u, scoring.tf_records, scoring.base)
    extra = weighted_decisions(compared, run, config)
    return pairs.unionByName(save("completion", extra.select(*pairs.columns)))


def _personal(
    pairs: DataFrame, records: DataFrame, table: RecordTable, config: LinkageConfig
) -> pd.DataFrame:
    """rid → the record's personal e-mails and phones ('e:…', 'p:…'): `personal_values` over the record table
    and the pairs that can make a value not personal (different given names, an e-mail or phone shared)."""
    from pyspark.sql import functions as F

    given = next((c for c in config.comparisons if c.kind == "name" and c.column == "given"), None)
    g_columns = [f"g_{c.name}" for c in config.comparisons]
    found = pd.DataFrame(columns=["l", "r", *g_columns])
    if given is not None:
        side = {p: records.select(F.col("rid").alias(p), F.col("emails").alias(f"{p}_e"),
                                  F.col("phones").alias(f"{p}_p")) for p in ("l", "r")}  # fmt: skip
        found = (
            pairs.where(F.col(f"g_{given.name}") == 0)
            .select("l", "r", *g_columns)
            .join(side["l"], "l")
            .join(side["r"], "r")
            .where(F.arrays_overlap("l_e", "r_e") | F.arrays_overlap("l_p", "r_p"))
            .select("l", "r", *g_columns)
            .toPandas()
        )
    cmp = {"l": found["l"].to_numpy(np.int64), "r": found["r"].to_numpy(np.int64)}
    cmp.update({k: found[k].to_numpy(np.int8) for k in g_columns})
    flags = personal_values(table.rec, table.records, cmp, config)
    vocab = table.records.vocab
    out = {}
    for column, prefix, ok in (("emails", "e:", flags.emails), ("phones", "p:", flags.phones)):
        chosen = set(vocab[np.flatnonzero(ok)].tolist())
        out[column] = [[prefix + v for v in values if v in chosen] for values in table.rec[column]]
    personal = [e + p for e, p in zip(out["emails"], out["phones"], strict=True)]
    frame = pd.DataFrame({"rid": table.rec["rid"].to_numpy(np.int64), "personal": personal})
    return frame[frame["personal"].map(len) > 0].reset_index(drop=True)


def _edges(pairs: DataFrame, records: DataFrame, config: LinkageConfig, must: DataFrame) -> DataFrame:
    """Every pair a stage after scoring can join two records through (a, b)."""
    from pyspark.sql import functions as F

    wechat = next((c for c in config.comparisons if c.kind == "exact" and c.column == "wechat_id"), None)
    held = records.where(F.col("personal").isNotNull())  # per record, broadcast: the pairs are not shuffled
    side = {p: F.broadcast(held.select(F.col("rid").alias(p), F.col("personal").alias(f"{p}_personal")))
            for p in ("l", "r")}  # fmt: skip
    joined = pairs.join(side["l"], "l", "left").join(side["r"], "r", "left")
    agree = F.coalesce(F.arrays_overlap("l_personal", "r_personal"), F.lit(False))
    if wechat is not None:  # the engine's top_level(cmp, config, "exact", "wechat_id")
        agree |= F.col(f"g_{wechat.name}") == wechat.n_levels - 1
    linked = joined.where((F.col("decision") == MATCH) | F.col("is_reference") | agree)
    return linked.select(F.col("l").alias("a"), F.col("r").alias("b")).unionByName(must)


def _personal_from_column(rec: pd.DataFrame) -> Callable[..., PersonalValues]:
    """personal_values for a component: the pairs it shares values through from the component, which values
    are personal from the whole file (the `personal` column)."""
    chosen = {v for values in rec["personal"] for v in values}

    def personal(rec_, records, cmp, config) -> PersonalValues:
        local = personal_values(rec_, records, cmp, config)
        vocab = records.vocab.astype(str)
        emails = np.isin(np.char.add("e:", vocab), list(chosen)) if len(vocab) else local.emails
        phones = np.isin(np.char.add("p:", vocab), list(chosen)) if len(vocab) else local.phones
        return PersonalValues(emails, phones, local.shared)

    return personal


def _groups(spark: SparkSession) -> int:
    """Groups of whole components resolve_clusters runs on at once: a few per core (one Python call per
    component would cost more than the work)."""
    shuffle = int(spark.conf.get("spark.sql.shuffle.partitions"))
    return max(4 * spark.sparkContext.defaultParallelism, shuffle, 1)


def _mistyped_from_column(recs: pd.DataFrame, names: Counter[str]) -> Callable[..., tuple[np.ndarray, int]]:
    """The mistyped-e-mail pass for a component, with the file's facts: the `typo` column (typo_candidates)
    and the file's name counts."""
    unique = recs["typo"].astype("boolean").fillna(False).to_numpy(bool)

    def attach(rec_, labels, unnamed, cannot):
        return attach_mistyped_records(rec_, labels, unnamed, cannot, unique=unique, names=names)

    return attach


def _component_body(config: LinkageConfig, scoring: Scoring, decisions: pd.DataFrame | None, columns: list[str],
                    counted: list[str], pair_columns: list[str], names: Counter[str]):  # fmt: skip
    """applyInPandas body: the pairs and records of a group of whole components → rows of kind 0 (rid, label),
    1 (a kept pair) and 2 (the group's stage counts). Every stage of resolve_clusters stays inside a component,
    so a group gives each component's result."""
    g_columns = [f"g_{c.name}" for c in config.comparisons]
    decided = decisions is not None and len(decisions) > 0

    def run(pairs: pd.DataFrame, recs: pd.DataFrame) -> pd.DataFrame:
        recs = recs.sort_values("rid", ignore_index=True)
        rids = recs["rid"].to_numpy(np.int64)
        recs["personal"] = [list(v) if v is not None else [] for v in recs["personal"]]
        for column in ("emails", "phones", "phone_types"):
            if column in recs:
                recs[column] = [list(v) if v is not None else [] for v in recs[column]]
        records = encoded_with_counts(recs, counted, scoring.holders, config)
        pairs = pairs.sort_values(["extra", "order", "l", "r"], ignore_index=True)  # the engine's pair order
        cmp = {k: pairs[k].to_numpy() for k in pair_columns}
        cmp["l"], cmp["r"] = (
            np.searchsorted(rids, pairs["l"].to_numpy()),
            np.searchsorted(rids, pairs["r"].to_numpy()),
        )
        weights = {k: pairs[k].to_numpy(float) for k in weight_names(config)}
        keys = record_key(recs["source"], recs["source_record_id"]) if decided else pd.Series([], dtype=str)

        def score(more):
            return stored_weights(records, more, config, scoring.params)

        c = resolve_clusters(
            recs, records, config, cmp, weights, pairs["match_weight"].to_numpy(float).copy(), score,
            pairs["is_reference"].to_numpy(bool), pairs["ref_evidence"].to_numpy(object), keys, decisions,
            personal=_personal_from_column(recs), mistyped=_mistyped_from_column(recs, names),
        )  # fmt: skip
        if len(c.decision) != len(pairs):
            raise RuntimeError("a component held match edges its completion on Spark did not pair")
        keep = np.ones(len(pairs), bool) if config.keep_non_match_pairs else c.decision != NON_MATCH
        kept = pairs.loc[keep, ["l", "r", "extra", "order", "rules", *g_columns]].assign(
            kind=1,
            match_weight=c.match_weight[keep],
            probability=c.probability[keep],
            decision=c.decision[keep],
            note=c.notes()[keep],
            refused=c.refused[keep],
            **{k: v[keep] for k, v in c.weights.items()},
        )
        group = int(recs["group"].iloc[0])
        labelled = pd.DataFrame({"kind": 0, "group": group, "rid": rids, "label": c.labels.astype(np.int64)})
        counts = {**stage_counts(c), "conflicts": len(c.steward.conflicts)}
        stats = pd.DataFrame({"kind": [2], **{k: [int(v)] for k, v in counts.items()}})
        return pd.concat([labelled, kept, stats], ignore_index=True)

    return run


def _component_schema(config: LinkageConfig):
    from pyspark.sql.types import (
        BooleanType,
        ByteType,
        DoubleType,
        IntegerType,
        LongType,
        StringType,
        StructField,
        StructType,
    )  # fmt: skip

    longs = ["group", "rid", "label", "l", "r", "order", "rules", *STAT_COLUMNS]
    fields = [StructField("kind", IntegerType())] + [StructField(k, LongType()) for k in longs]
    fields += [StructField("extra", BooleanType()), StructField("refused", BooleanType())]
    fields += [StructField(f"g_{c.name}", ByteType()) for c in config.comparisons]
    fields += [StructField(k, DoubleType()) for k in (*weight_names(config), "match_weight", "probability")]
    fields += [StructField("decision", ByteType()), StructField("note", StringType())]
    return StructType(fields)


def finish_on_spark(
    spark: SparkSession,
    save: Callable[[str, DataFrame], DataFrame],
    table: RecordTable,
    records: DataFrame,
    pairs: DataFrame,
    config: LinkageConfig,
    scoring: Scoring,
    run: RunContext,
) -> LinkageResult:
    """finish_link's result from the scored pairs on Spark (`pairs`: compared and weighted, with probability
    and decision), the stages after scoring run per connected component; `save(name, frame)` writes a stage."""
    from pyspark.sql import functions as F

    rec, decisions, lap = table.rec, run.decisions, run.lap
    corrected_pairs, learned = _correct(spark, pairs, rec, config, scoring, decisions)
    # a correction is a Python pass over the pairs, written once; without one the pairs stay the weighted stage
    # joined with the decision of each evidence value (a broadcast lookup): not every pair written again
    pairs = pairs if corrected_pairs is pairs else save("scored", corrected_pairs)
    lap("scoring")
    pairs = _completed(pairs, records, config, scoring, save)
    lap("completion")
    personal = spark.createDataFrame(_personal(pairs, records, table, config),
                                     "rid long, personal array<string>")  # fmt: skip
    records = records.join(personal, "rid", "left")
    lap("personal_values")
    must = _decided_rids(rec, decisions, "match")
    cannot = _decided_rids(rec, decisions, "non_match")
    typo, names = typo_candidates(rec, cannot), name_counts(rec)
    typo_df = spark.createDataFrame(pd.DataFrame({"rid": np.flatnonzero(typo).astype(np.int64), "typo": True}),
                                    "rid long, typo boolean")  # fmt: skip
    records = records.join(typo_df, "rid", "left")
    folded = np.concatenate([must, typo_edges(rec, typo, names)])  # steward must-links, mistyped e-mails
    must_df = spark.createDataFrame(pd.DataFrame({"a": folded[:, 0], "b": folded[:, 1]}), "a long, b long")
    component = save("components", connected_components(_edges(pairs, records, config, must_df)))
    components = component.where("rid = component").count()
    lap("components")
    ends = {
        p: F.broadcast(component.select(F.col("rid").alias(p), F.col("component").alias(f"c_{p}")))
        for p in "lr"
    }  # per record: broadcast, the pairs are not shuffled to meet them
    placed = pairs.join(ends["l"], "l", "left").join(ends["r"], "r", "left")
    inside = placed.where(F.col("c_l") == F.col("c_r")).withColumnRenamed("c_l", "component").drop("c_r")
    groups = F.pmod(F.xxhash64("component"), F.lit(_groups(spark)))
    inside = inside.withColumn("group", groups)
    members = records.join(component, "rid").withColumn("group", groups)
    columns = record_columns(config)
    counted = sorted(set(tf_columns(config).values()))
    wanted = [c for c in inside.columns if c.startswith(("g_", "tf_"))] + ["l", "r", "rules", "first_rule"]
    body = _component_body(config, scoring, decisions, columns, counted, wanted, names)
    resolved = save("resolved", inside.groupBy("group").cogroup(members.groupBy("group"))
                    .applyInPandas(body, _component_schema(config)))  # fmt: skip
    lap("per_component")
    keep = F.lit(True) if config.keep_non_match_pairs else F.col("decision") != NON_MATCH
    between = placed.where(
        (F.col("c_l").isNull() | F.col("c_r").isNull() | (F.col("c_l") != F.col("c_r"))) & keep
    )
    kept_columns = ["l", "r", "extra", "order", "rules", *(f"g_{c.name}" for c in config.comparisons),
                    *weight_names(config), "match_weight", "probability", "decision"]  # fmt: skip
    kept = pd.concat(
        [
            resolved.where("kind = 1").select(*kept_columns, "note", "refused").toPandas(),
            between.select(*kept_columns).toPandas().assign(note="", refused=False),
        ],
        ignore_index=True,
    ).sort_values(["extra", "order", "l", "r"], ignore_index=True)
    placed_labels = resolved.where("kind = 0").select("group", "rid", "label").toPandas()
    sums = resolved.where("kind = 2").agg(*(F.sum(k).alias(k) for k in STAT_COLUMNS)).collect()[0]
    counts = {k: int(sums[k] or 0) for k in STAT_COLUMNS}

    n = len(rec)
    labels = np.arange(n, dtype=np.int64)
    rid = placed_labels["rid"].to_numpy(np.int64)
    pair_key = placed_labels["group"].to_numpy(np.int64) * (n + 1) + placed_labels["label"].to_numpy(np.int64)
    labels[rid] = n + np.unique(pair_key, return_inverse=True)[1]
    labels = np.unique(labels, return_inverse=True)[1].astype(np.int64)
    lap("clustering")

    cmp = {k: kept[k].to_numpy() for k in ("l", "r", "rules", *(f"g_{c.name}" for c in config.comparisons))}
    cmp["l"], cmp["r"] = cmp["l"].astype(np.int64), cmp["r"].astype(np.int64)
    steward = {"must_links": len(must), "cannot_links": len(cannot), "conflicts": counts.pop("conflicts")}
    outcome = Outcome(
        labels, cmp, {k: kept[k].to_numpy(float) for k in weight_names(config)},
        kept["match_weight"].to_numpy(float), kept["probability"].to_numpy(float),
        kept["decision"].to_numpy(np.int8), kept["note"].to_numpy(object), kept["refused"].to_numpy(bool),
        counts, steward,
    )  # fmt: skip
    result = link_outputs(table, outcome, config, run, scoring.params, learned)
    result.summary["spark_components"] = components
    return result
