"""link_spark(): linkage/engine.py's link() with its pair stages on Spark; same result, same LinkageResult.

On Spark (the work that grows with the candidate pairs): blocking, comparisons, u sampling, the EM pattern
counts and the pairs' weights. On the driver, with the engine's own functions: the record table (prepared
once, also written for Spark), references, and every stage after scoring (`linkage.engine.finish_link`) over
the collected scored pairs.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from linkage.blocking import CandidatePairs
from linkage.config import LIST_COLUMNS, LinkageConfig
from linkage.encode import encode_records
from linkage.engine import (
    LinkageResult,
    RecordTable,
    ScoredPairs,
    finish_link,
    link,
    linkable_records,
    stopwatch,
    stored_weights,
)
from linkage.prepare import prepare_records
from linkage.references import record_entities, resolve_references, with_references
from linkage.score import (
    Parameters,
    estimate_m,
    estimate_prior,
    total_pairs,
    u_from_levels,
    u_sample_pairs,
    weights_by_comparison,
)
from linkage.spark.blocking import candidate_pairs
from linkage.spark.compare import compare_pairs
from linkage.spark.records import record_columns, tf_columns, with_value_counts

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

    def upload(self, name: str, frame: pd.DataFrame, schema=None) -> DataFrame:
        """A driver table as a stage (Arrow → Parquet under the work path, read by Spark)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = f"{self.work_dir}/{name}"
        if "://" in path and not path.startswith("file:"):  # a cluster path: through Spark
            return self.save(name, self.spark.createDataFrame(frame))
        folder = Path(path.removeprefix("file:"))
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.parquet"):
            old.unlink()
        table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
        pq.write_table(table, folder / "part-0.parquet")
        return self.spark.read.parquet(str(folder))


def _record_table(rec: pd.DataFrame, config: LinkageConfig) -> tuple[pd.DataFrame, object]:
    """rid and the record columns the rules and comparisons read, with their Arrow schema."""
    import pyarrow as pa

    columns = record_columns(config)
    out = {"rid": rec["rid"].to_numpy(np.int64)}
    fields = [pa.field("rid", pa.int64(), nullable=False)]
    for c in columns:
        values = rec[c] if c in rec else pd.Series([None] * len(rec))
        if c in LIST_COLUMNS:
            out[c] = [[str(v) for v in x] if isinstance(x, list | tuple | np.ndarray) else [] for x in values]
            fields.append(pa.field(c, pa.list_(pa.string())))
        else:
            out[c] = [None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in values]
            fields.append(pa.field(c, pa.string()))
    return pd.DataFrame(out), pa.schema(fields)


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
    """mapInPandas body: the pairs with weight_<comparison> and their sum `evidence`, plus, once `base`
    (log-odds prior) is known, the match weight."""

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            cmp = {k: batch[k].to_numpy() for k in batch.columns}
            weights = weights_by_comparison(cmp, config, m, u, tf_records)
            evidence = np.zeros(len(batch))
            for w in weights.values():  # summed in the order of the engine's _total
                evidence += w
            out = batch.assign(**weights, evidence=evidence)
            if base is not None:
                out["match_weight"] = base + evidence
            yield out

    return run


def _candidates(frame: pd.DataFrame) -> CandidatePairs:
    frame = frame.sort_values(["l", "r"], ignore_index=True)
    return CandidatePairs(*(frame[k].to_numpy(np.int64) for k in ("l", "r", "rules", "first_rule")))


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
    from pyspark.sql.types import DoubleType, StructField, StructType

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
    table, schema = _record_table(rec, config)
    on_spark, holders = with_value_counts(stages.upload("prepared", table, schema), config)
    on_spark = stages.save("records", on_spark)
    lap("prepare")
    blocked, stats = candidate_pairs(on_spark, config)
    pairs, is_reference, ref_evidence = with_references(_candidates(blocked.toPandas()), refs, linkable)
    columns = {"l": pairs.left, "r": pairs.right, "rules": pairs.rules, "first_rule": pairs.first_rule}
    candidates = stages.upload("candidates", pd.DataFrame(columns))
    lap("blocking")
    n = len(rec)
    u = _u(spark, on_spark, n, config, holders)
    lap("u_sampling")
    cmp = stages.save("comparisons", compare_pairs(candidates, on_spark, config, holders))
    lap("compare")

    n_total = total_pairs(rec.groupby("source").size(), config.link_type == "link_only")
    g_cols = [f"g_{c.name}" for c in config.comparisons]
    patterns = cmp.groupBy(*g_cols, "rules").agg(F.count("*").alias("n")).toPandas()
    m, sessions = estimate_m(patterns, config, u)
    tf_records = {name: holders[column] for name, column in tf_columns(config).items()}
    weight_fields = [StructField(f"weight_{c.name}", DoubleType()) for c in config.comparisons]
    evidence_schema = StructType([*cmp.schema.fields, *weight_fields, StructField("evidence", DoubleType())])
    evidence = cmp.mapInPandas(_weights(config, m, u, tf_records, None), evidence_schema)
    spread = evidence.groupBy("evidence").agg(F.count("*").alias("n")).toPandas()
    prior = estimate_prior(spread["evidence"].to_numpy(), n_total, counts=spread["n"].to_numpy())
    base = float(np.log2(prior / (1 - prior)))
    params = Parameters(m=m, u=u, prior=prior, sessions=sessions)
    scored_schema = StructType([*evidence_schema.fields, StructField("match_weight", DoubleType())])
    scored = cmp.mapInPandas(_weights(config, m, u, tf_records, base), scored_schema)
    got = scored.drop("evidence").toPandas().sort_values(["l", "r"], ignore_index=True)
    if not (np.array_equal(got["l"], pairs.left) and np.array_equal(got["r"], pairs.right)):
        raise RuntimeError("Spark scored other pairs than it was given")  # a lost or repeated partition
    weight_names = [f.name for f in weight_fields]
    compared = {k: got[k].to_numpy() for k in got.columns if k not in (*weight_names, "match_weight")}
    weights = {k: got[k].to_numpy() for k in weight_names}

    def score(more):
        return stored_weights(records, more, config, params)

    result = finish_link(
        RecordTable(rec, records, stats, refs, linkable, n_total),
        ScoredPairs(compared, weights, got["match_weight"].to_numpy(), base, score, params, is_reference,
                    ref_evidence),
        config, decisions, previous_xref, run_id, at, timings, lap, frame,
    )  # fmt: skip
    result.summary["engine"] = "spark"
    return result
