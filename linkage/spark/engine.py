"""link_spark(): linkage/engine.py's link() with its heavy stages on Spark; same result, same LinkageResult."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from linkage.config import LinkageConfig
from linkage.engine import (
    MATCH,
    NON_MATCH,
    REVIEW,
    LinkageResult,
    _pairs_table,
    _summary,
    _total,
    _xref,
    link,
)
from linkage.identity import assign_customer_ids
from linkage.score import (
    Parameters,
    decisions,
    estimate_m,
    estimate_prior,
    match_probability,
    total_pairs,
    u_from_levels,
    u_sample_pairs,
    weights_by_comparison,
)
from linkage.spark.blocking import candidate_pairs
from linkage.spark.compare import compare_pairs
from linkage.spark.components import connected_components, guard_components
from linkage.spark.records import prepared_records, tf_columns, with_value_counts

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


class _Stages:
    """Each stage's DataFrame written once as Parquet under the work path (a local folder or s3a://…) and
    read back, so later stages never recompute it; and each stage's seconds."""

    def __init__(self, spark: SparkSession, work_dir: str):
        self.spark, self.work_dir, self.timings = spark, work_dir.rstrip("/"), {}
        self._clock = time.perf_counter()

    def save(self, name: str, frame: DataFrame) -> DataFrame:
        path = f"{self.work_dir}/{name}"
        frame.write.mode("overwrite").parquet(path)
        return self.spark.read.parquet(path)

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round(now - self._clock, 3)
        self._clock = now


def _as_spark(spark: SparkSession, persons: pd.DataFrame | DataFrame, work_dir: str) -> DataFrame:
    if not isinstance(persons, pd.DataFrame):
        return persons
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(work_dir.removeprefix("file:")) / "persons_input.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = persons.drop(columns=[c for c in ("loaded_at",) if c in persons])
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
    return spark.read.parquet(str(path))


def _u(
    spark: SparkSession, records: DataFrame, n: int, config: LinkageConfig, holders
) -> dict[str, np.ndarray]:
    """u from the same random pairs as linkage.score.estimate_u, compared on Spark."""
    from pyspark.sql import functions as F

    left, right = u_sample_pairs(n, config)
    sample = spark.createDataFrame(
        pd.DataFrame({"i": np.arange(len(left), dtype=np.int64), "l": left, "r": right})
    )
    if config.link_type == "link_only":
        src = records.select("rid", "source")
        sample = (
            sample.join(src.withColumnsRenamed({"rid": "l", "source": "sl"}), "l")
            .join(src.withColumnsRenamed({"rid": "r", "source": "sr"}), "r")
            .where("sl != sr")
            .select("i", "l", "r")
        )
    sample = sample.orderBy("i").limit(config.scoring.u_sample_pairs)
    levels = compare_pairs(sample, records, config, holders, tf=False)
    g = levels.select(*(F.col(f"g_{c.name}") for c in config.comparisons)).toPandas()
    return u_from_levels({k: g[k].to_numpy() for k in g.columns}, config)


def _weights(config: LinkageConfig, m, u, tf_records, base: float | None):
    """mapInPandas body: weight_<comparison>, evidence and, once `base` (log-odds prior) is known, the match
    weight, probability and decision of each pair."""

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            cmp = {k: batch[k].to_numpy() for k in batch.columns}
            weights = weights_by_comparison(cmp, config, m, u, tf_records)
            evidence = _total(weights, len(batch))
            out = batch[["l", "r", "rules", *(f"g_{c.name}" for c in config.comparisons)]].assign(
                **weights, evidence=evidence
            )
            if base is not None:
                out["match_weight"] = base + evidence
                out["match_probability"] = match_probability(out["match_weight"].to_numpy())
                out["decision"] = decisions(out["match_probability"].to_numpy(), config.thresholds)
            yield out

    return run


def link_spark(
    spark: SparkSession,
    persons: pd.DataFrame | DataFrame,
    config: LinkageConfig,
    work_dir: str,
    previous_xref: pd.DataFrame | None = None,
    run_id: str = "",
) -> LinkageResult:
    """link() on Spark: `persons` (pandas or a Spark DataFrame of person records), stages written to
    `work_dir`. The tables of the result are collected to the driver like link()'s."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import ByteType, DoubleType, StructField, StructType

    if config.scoring.method != "em":
        raise ValueError("scoring.method 'supervised' runs on the local engine only (C360_ENGINE=duckdb)")
    at = pd.Timestamp.now(tz="UTC").tz_localize(None).floor("s")
    stages = _Stages(spark, work_dir)
    persons_df = _as_spark(spark, persons, work_dir)
    records, holders = with_value_counts(prepared_records(persons_df, config), config)
    records = stages.save("records", records)
    rec = records.select("rid", "source", "source_record_id").toPandas().sort_values("rid", ignore_index=True)
    n = len(rec)
    if n == 0:
        return link(
            persons if isinstance(persons, pd.DataFrame) else persons.toPandas(),
            config,
            previous_xref,
            run_id,
        )
    stages.lap("prepare")
    candidates, stats = candidate_pairs(records, config)
    candidates = stages.save("candidates", candidates)
    stages.lap("blocking")
    u = _u(spark, records, n, config, holders)
    stages.lap("u_sampling")
    cmp = stages.save("comparisons", compare_pairs(candidates, records, config, holders))
    stages.lap("compare")

    n_total = total_pairs(rec.groupby("source").size(), config.link_type == "link_only")
    g_cols = [f"g_{c.name}" for c in config.comparisons]
    patterns = cmp.groupBy(*g_cols, "rules").agg(F.count("*").alias("n")).toPandas()
    m, sessions = estimate_m(patterns, config, u)
    tf_records = {name: holders[column] for name, column in tf_columns(config).items()}
    weight_fields = [StructField(f"weight_{c.name}", DoubleType()) for c in config.comparisons]
    base_fields = [cmp.schema[k] for k in ("l", "r", "rules", *g_cols)]
    evidence_schema = StructType([*base_fields, *weight_fields, StructField("evidence", DoubleType())])
    evidence = cmp.mapInPandas(_weights(config, m, u, tf_records, None), evidence_schema)
    spread = evidence.groupBy("evidence").agg(F.count("*").alias("n")).toPandas()
    prior = estimate_prior(spread["evidence"].to_numpy(), n_total, counts=spread["n"].to_numpy())
    base = float(np.log2(prior / (1 - prior)))
    params = Parameters(m=m, u=u, prior=prior, sessions=sessions)
    scored_schema = StructType(
        [*evidence_schema.fields, StructField("match_weight", DoubleType()),
         StructField("match_probability", DoubleType()), StructField("decision", ByteType())]
    )  # fmt: skip
    scored = stages.save("scored", cmp.mapInPandas(_weights(config, m, u, tf_records, base), scored_schema))
    stages.lap("scoring")

    edges = scored.where(F.col("decision") == MATCH).select(F.col("l").alias("a"), F.col("r").alias("b"))
    members = stages.save("components", connected_components(edges))
    veto = config.clustering.veto_probability
    veto_weight = None if veto is None else float(np.log2(veto / (1 - veto))) if veto > 0 else None
    guarded = guard_components(
        scored.select("l", "r", "match_weight", (F.col("decision") == MATCH).alias("is_match")),
        members, config.clustering.min_average_weight, veto_weight,
    ).toPandas()  # fmt: skip
    labels = np.arange(n, dtype=np.int64)
    comp = members.toPandas()
    labels[comp["node"].to_numpy()] = comp["component"].to_numpy()
    inside = guarded[guarded["kind"] == 0]
    labels[inside["a"].to_numpy()] = inside["b"].to_numpy()
    refused_edges = guarded.loc[guarded["kind"] == 1, ["a", "b"]]
    stages.lap("clustering")

    keep = scored if config.keep_non_match_pairs else scored.where(F.col("decision") != NON_MATCH)
    kept = keep.drop("evidence").toPandas().sort_values(["l", "r"], ignore_index=True)
    refused = (
        pd.MultiIndex.from_frame(kept[["l", "r"]]).isin(pd.MultiIndex.from_frame(refused_edges))
        if len(refused_edges) and len(kept)
        else np.zeros(len(kept), dtype=bool)
    )
    decision = kept["decision"].to_numpy(np.int8).copy()
    decision[refused] = REVIEW
    left, right = kept["l"].to_numpy(), kept["r"].to_numpy()
    probability, match_weight = kept["match_probability"].to_numpy(), kept["match_weight"].to_numpy()
    members_table = rec[["source", "source_record_id"]].assign(cluster=labels)
    customer_ids, history = assign_customer_ids(members_table, previous_xref, run_id, at)
    history["run_id"] = run_id
    stages.lap("identity")

    columns = {k: kept[k].to_numpy() for k in ["l", "r", "rules", *g_cols]}
    weights = {f"weight_{c.name}": kept[f"weight_{c.name}"].to_numpy() for c in config.comparisons}
    pairs = _pairs_table(rec, columns, weights, match_weight, probability, decision, refused, config)
    xref = _xref(rec, labels, customer_ids, left, right, probability, decision, at)
    review = pairs[pairs["decision"] == "review"].reset_index(drop=True)
    summary = _summary(rec, stats, decision, refused, xref, history, params, n_total)
    summary["timings"] = stages.timings
    summary["engine"] = "spark"
    return LinkageResult(
        xref=xref, pairs=pairs, review=review, history=history,
        summary=summary, parameters=params, timings=stages.timings,
    )  # fmt: skip
