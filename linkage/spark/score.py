"""The pairs' weights on Spark: `mapInPandas` bodies calling the engine's weights_by_comparison, the stewards'
correction (linkage/learn.py) and decide()."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from linkage.config import LinkageConfig
from linkage.engine import decide, summed_weights
from linkage.learn import Correction, apply_correction
from linkage.score import weights_by_comparison
from linkage.spark.session import spread

if TYPE_CHECKING:
    from pyspark.sql import DataFrame
    from pyspark.sql.types import StructType

Batches = Callable[[Iterator[pd.DataFrame]], Iterator[pd.DataFrame]]


def weight_names(config: LinkageConfig) -> list[str]:
    return [f"weight_{c.name}" for c in config.comparisons]


def _decided(out: pd.DataFrame, base: float, config: LinkageConfig) -> pd.DataFrame:
    """The match weight (the log-odds prior plus the summed `evidence`), its probability and decision."""
    out["match_weight"] = base + out["evidence"].to_numpy()
    out["probability"], out["decision"] = decide(out["match_weight"].to_numpy(), config)
    return out


def with_weights(config: LinkageConfig, m, u, tf_records, base: float | None) -> Batches:
    """The pairs with weight_<comparison> and their sum `evidence`; once `base` (log-odds prior) is known, also
    the match weight, its probability and decision."""

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            cmp = {k: batch[k].to_numpy() for k in batch.columns}
            weights = weights_by_comparison(cmp, config, m, u, tf_records)
            out = batch.assign(**weights, evidence=summed_weights(weights, len(batch)))
            yield out if base is None else _decided(out, base, config)

    return run


def decided_by_evidence(
    pairs: DataFrame, evidence: np.ndarray, base: float, config: LinkageConfig
) -> DataFrame:
    """`pairs` (weighted, with `evidence`) with match_weight, probability and decision: the decision is a function
    of the evidence alone, so decide() runs on the driver once per distinct evidence value (`evidence`, the values
    the prior's EM counted) and the pairs join that small table, instead of a second Python pass over them."""
    from pyspark.sql import functions as F

    table = pd.DataFrame({"evidence": np.asarray(evidence, float)})
    table["match_weight"] = base + table["evidence"].to_numpy()
    table["probability"], table["decision"] = decide(table["match_weight"].to_numpy(), config)
    schema = "evidence double, match_weight double, probability double, decision byte"
    lookup = F.broadcast(pairs.sparkSession.createDataFrame(table, schema))
    return pairs.join(lookup, "evidence", "left").select(
        *pairs.columns, "match_weight", "probability", "decision"
    )


def corrected(config: LinkageConfig, correction: Correction, base: float) -> Batches:
    """The pairs' weights corrected by the stewards' labels (base: the corrected log-odds prior)."""

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            names = weight_names(config)
            levels = {f"g_{c.name}": batch[f"g_{c.name}"].to_numpy() for c in config.comparisons}
            weights = apply_correction({k: batch[k].to_numpy() for k in names}, levels, correction, config)
            out = batch.assign(**weights)
            out["match_weight"] = base + summed_weights(weights, len(batch))
            out["probability"], out["decision"] = decide(out["match_weight"].to_numpy(), config)
            yield out

    return run


def scored_schema(frame: DataFrame, config: LinkageConfig, final: bool) -> StructType:
    """`frame`'s columns, the weights and `evidence`, and with `final` match_weight, probability, decision."""
    from pyspark.sql.types import ByteType, DoubleType, StructField, StructType

    fields = [f for f in frame.schema.fields if f.name not in {*weight_names(config), "evidence"}]
    fields += [StructField(name, DoubleType()) for name in (*weight_names(config), "evidence")]
    if final:
        fields += [StructField("match_weight", DoubleType()), StructField("probability", DoubleType()),
                   StructField("decision", ByteType())]  # fmt: skip
    return StructType(fields)


def weighted_decisions(frame: DataFrame, run: Batches, config: LinkageConfig) -> DataFrame:
    """`frame` through a scoring body that (re)writes the weights and the decision columns."""
    base_fields = [f for f in frame.columns if f not in ("match_weight", "probability", "decision")]
    frame = spread(frame.select(*base_fields))
    return frame.mapInPandas(run, scored_schema(frame, config, final=True))
