"""link_spark(): linkage/engine.py's link() with its pair stages on Spark; same result, same LinkageResult.

On Spark (the work that grows with the candidate pairs): blocking, the reference pairs, comparisons, u
sampling, the EM pattern counts, the pairs' weights, and every stage after scoring per connected component
(finish.py). On the driver, with the engine's own functions: the record table (prepared once, also written
for Spark), references, the EM fits, and the per-record results (labels → ids, output tables).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from linkage.blocking import BlockingStats
from linkage.config import LIST_COLUMNS, LinkageConfig
from linkage.encode import EncodedRecords, encode_records
from linkage.engine import LinkageResult, RecordTable, RunContext, link, linkable_records, stopwatch
from linkage.prepare import prepare_records
from linkage.references import References, record_entities, resolve_references
from linkage.score import (
    Parameters,
    estimate_m,
    estimate_prior,
    estimate_u,
    total_pairs,
)
from linkage.spark.blocking import block_entries, candidate_pairs
from linkage.spark.compare import broadcast_records, compare_pairs
from linkage.spark.finish import RESOLVE_COLUMNS, Scoring, finish_on_spark
from linkage.spark.records import record_columns, tf_columns, value_count_columns
from linkage.spark.score import decided_by_evidence, scored_schema, with_weights
from linkage.spark.session import spread, tune_partitions

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession


class _Stages:
    """Each stage's DataFrame written once as Parquet under the work path (a local folder or s3a://…) and
    read back, so later stages never recompute it."""

    def __init__(self, spark: SparkSession, work_dir: str):
        self.spark, self.work_dir = spark, work_dir.rstrip("/")

    def save(self, name: str, frame: DataFrame) -> DataFrame:
        path = f"{self.work_dir}/{name}"
        frame.write.mode("overwrite").parquet(path)
        return self.spark.read.parquet(path)

    def upload(self, name: str, table) -> DataFrame:
        """A driver table (Arrow) as a stage (Parquet under the work path, read by Spark)."""
        import pyarrow.parquet as pq

        path = f"{self.work_dir}/{name}"
        if "://" in path and not path.startswith("file:"):  # a cluster path: through Spark
            return self.save(name, self.spark.createDataFrame(table.to_pandas()))
        folder = Path(path.removeprefix("file:"))
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.parquet"):
            old.unlink()
        pq.write_table(table, folder / "part-0.parquet")
        return self.spark.read.parquet(str(folder))


def _string_column(values: pd.Series, listed: bool):
    """A record column as Arrow strings (lists of strings; a missing list is empty), vectorised; element by
    element only when a value is not a string."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = pa.list_(pa.string()) if listed else pa.string()
    try:
        out = pa.array(values.tolist() if listed else values, type=kind, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        if listed:
            cells = [
                [None if v is None else str(v) for v in x] if isinstance(x, list | tuple | np.ndarray) else []
                for x in values
            ]
        else:
            cells = [None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in values]
        return pa.array(cells, type=kind)
    if listed and out.null_count:
        out = pc.if_else(out.is_null(), pa.scalar([], kind), out)
    return out


def _record_table(
    rec: pd.DataFrame, records: EncodedRecords, config: LinkageConfig
) -> tuple[object, dict[str, int]]:
    """rid, the record columns the rules and comparisons read and their value counts, as an Arrow table; the
    records holding any value per term-frequency column."""
    import pyarrow as pa

    columns = [
        *record_columns(config),
        *(c for c in RESOLVE_COLUMNS if c in rec and c not in config.record_columns),
    ]
    out = {"rid": pa.array(rec["rid"].to_numpy(np.int64))}
    for c in columns:
        values = rec[c] if c in rec else pd.Series([None] * len(rec), dtype=object)
        out[c] = _string_column(values, c in LIST_COLUMNS or c == "phone_types")
    counts, holders = value_count_columns(records, config, {c: out[c] for c in LIST_COLUMNS if c in out})
    out.update(counts)
    schema = pa.schema(
        [pa.field("rid", pa.int64(), nullable=False)]
        + [pa.field(k, v.type) for k, v in out.items() if k != "rid"]
    )
    return pa.table(out, schema=schema), holders


# Reference pairs the blocked pairs look up by a broadcast join (no shuffle of the candidates); above it, a
# full outer join (C360_SPARK_BROADCAST_REFERENCES).
BROADCAST_REFERENCES = 5_000_000


def _with_references(
    spark: SparkSession, blocked: DataFrame, refs: References, linkable: np.ndarray
) -> DataFrame:
    """`linkage.references.with_references` on Spark: the blocked pairs between linkable records plus the
    reference pairs (rules 0, first_rule -1 when no rule paired them), `is_reference` and `ref_evidence`."""
    from pyspark.sql import functions as F

    pairs = blocked
    unlinkable = np.flatnonzero(~linkable).astype(np.int64)
    if len(unlinkable):
        out = F.broadcast(spark.createDataFrame(pd.DataFrame({"rid": unlinkable}), "rid long"))
        for side in ("l", "r"):
            pairs = pairs.join(out.withColumnRenamed("rid", side), side, "left_anti")
    left, right = np.minimum(refs.left, refs.right), np.maximum(refs.left, refs.right)
    n = int(max(left.max(initial=0), right.max(initial=0))) + 1
    _, at = np.unique(left * n + right, return_index=True)  # the first reference of a pair gives its evidence
    found = pd.DataFrame({"l": left[at], "r": right[at], "ref_evidence": refs.evidence[at].astype(str)})
    ref_pairs = spark.createDataFrame(found, "l long, r long, ref_evidence string")
    limit = int(os.environ.get("C360_SPARK_BROADCAST_REFERENCES", "") or BROADCAST_REFERENCES)
    columns = (
        "l", "r", F.coalesce("rules", F.lit(0).cast("long")).alias("rules"),
        F.coalesce("first_rule", F.lit(-1).cast("long")).alias("first_rule"),
        F.col("ref_evidence").isNotNull().alias("is_reference"),
        F.coalesce("ref_evidence", F.lit("")).alias("ref_evidence"),
    )  # fmt: skip
    if len(found) > limit:
        return pairs.join(ref_pairs, ["l", "r"], "full_outer").select(*columns)
    tagged = pairs.join(F.broadcast(ref_pairs), ["l", "r"], "left")
    # the reference pairs blocking paired too (at most the references: small), then those it did not
    paired = tagged.where(F.col("ref_evidence").isNotNull()).select("l", "r").toPandas()
    alone = found.merge(paired.astype("int64"), on=["l", "r"], how="left", indicator=True)
    alone = alone.loc[alone["_merge"] == "left_only", ["l", "r", "ref_evidence"]]
    only = spark.createDataFrame(alone.assign(rules=None, first_rule=None),
                                 "l long, r long, ref_evidence string, rules long, first_rule long")  # fmt: skip
    return tagged.select(*columns).unionByName(only.select(*columns))


def link_spark(
    spark: SparkSession,
    persons: pd.DataFrame | DataFrame,
    config: LinkageConfig,
    work_dir: str,
    previous_xref: pd.DataFrame | None = None,
    run_id: str = "",
    decisions: pd.DataFrame | None = None,
    references: dict[str, list[str]] | None = None,
) -> LinkageResult:
    """link() with the pair stages on Spark: `persons` (pandas or a Spark DataFrame of person records), stages
    written to `work_dir`; `decisions` and `references` as for link(). The result is link()'s."""
    from pyspark.sql import functions as F

    if config.scoring.method != "em":
        raise ValueError("scoring.method 'supervised' runs on the local engine only (C360_ENGINE=duckdb)")
    timings: dict[str, float] = {}
    lap = stopwatch(timings)
    at = pd.Timestamp.now(tz="UTC").tz_localize(None).floor("s")
    frame = persons if isinstance(persons, pd.DataFrame) else persons.toPandas()
    rec = prepare_records(frame)
    if not len(rec):
        return link(frame, config, previous_xref, run_id, decisions=decisions, references=references)
    records = encode_records(rec, config.record_columns)
    refs = resolve_references(rec, record_entities(frame, rec), references)
    linkable = linkable_records(rec, refs)
    stages = _Stages(spark, work_dir)
    tune_partitions(spark, len(rec))
    table, holders = _record_table(rec, records, config)
    on_spark = stages.upload("records", table)
    lap("prepare")
    stats = BlockingStats()
    entries = stages.upload("block_entries", block_entries(records, config, stats))
    blocked = candidate_pairs(entries, config, stats)
    candidates = stages.save("candidates", _with_references(spark, blocked, refs, linkable))
    lap("blocking")
    u = estimate_u(records, config)  # a fixed-size sample (scoring.u_sample_pairs): on the driver, as link()
    lap("u_sampling")
    encoded = broadcast_records(spark, records, config)  # None when too big: pairs joined with their records
    cmp = stages.save("comparisons", compare_pairs(candidates, on_spark, config, holders, encoded=encoded))
    lap("compare")

    n_total = total_pairs(rec.groupby("source").size(), config.link_type == "link_only")
    g_cols = [f"g_{c.name}" for c in config.comparisons]
    patterns = cmp.groupBy(*g_cols, "rules").agg(F.count("*").alias("n")).toPandas()
    m, sessions = estimate_m(patterns, config, u)
    tf_records = {name: holders[column] for name, column in tf_columns(config).items()}
    weigh = with_weights(config, m, u, tf_records, None)  # the weights depend on m and u only: one pass
    weighted = stages.save("weighted", spread(cmp).mapInPandas(weigh, scored_schema(cmp, config, False)))
    by_evidence = weighted.groupBy("evidence").agg(F.count("*").alias("n")).toPandas()
    prior = estimate_prior(by_evidence["evidence"].to_numpy(), n_total, counts=by_evidence["n"].to_numpy())
    base = float(np.log2(prior / (1 - prior)))
    params = Parameters(m=m, u=u, prior=prior, sessions=sessions)
    scored = decided_by_evidence(weighted, by_evidence["evidence"].to_numpy(), base, config)
    context = RunContext(decisions, previous_xref, run_id, at, timings, lap, frame)
    result = finish_on_spark(
        spark, stages.save, RecordTable(rec, records, stats, refs, linkable, n_total), on_spark, scored, config,
        Scoring(params, base, tf_records, holders, encoded), context,
    )  # fmt: skip
    result.summary["engine"] = "spark"
    return result
