"""Comparison levels on Spark, in `mapInPandas` batches by `linkage.compare.compare`.

Two ways to hand the batches their records:
- broadcast (when the encoded record table fits, `broadcast_records`): the driver's encoded table (numpy
  arrays and the shared vocabulary, with the whole table's value counts) is broadcast once; a batch carries
  only pair ids (l, r: rows of that table) and compares by index, exactly as the local engine;
- joined (a table too big to broadcast): pairs joined with both records' columns, each batch encoding its
  records with the whole table's value counts (`encoded_with_counts`).
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Iterator
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from linkage.compare import compare
from linkage.config import LIST_COLUMNS, LinkageConfig
from linkage.encode import EncodedRecords, encode_records, value_counts
from linkage.spark.records import record_columns, tf_columns
from linkage.spark.session import spread

if TYPE_CHECKING:
    from pyspark import Broadcast
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType

# Largest pickled record table broadcast to the executors (C360_SPARK_BROADCAST_MB); above it, the joined way.
BROADCAST_MB = 1024


def broadcast_records(
    spark: SparkSession, records: EncodedRecords, config: LinkageConfig
) -> Broadcast | None:
    """The encoded record table with its term-frequency value counts, broadcast to the executors; None when
    its pickle is over C360_SPARK_BROADCAST_MB (default 1024) megabytes."""
    counted = {column: value_counts(records, column) for column in set(tf_columns(config).values())}
    table = replace(records, value_counts={**records.value_counts, **counted})
    data = pickle.dumps(table, protocol=pickle.HIGHEST_PROTOCOL)
    limit = float(os.environ.get("C360_SPARK_BROADCAST_MB", "") or BROADCAST_MB)
    if len(data) > limit * 2**20:
        return None
    return spark.sparkContext.broadcast(table)


def _batch_records(
    batch: pd.DataFrame,
    columns: list[str],
    counted: list[str],
    holders: dict[str, int],
    config: LinkageConfig,
) -> tuple[EncodedRecords, np.ndarray, np.ndarray]:
    """The records of a batch of pairs (rows l_*/r_*), encoded; the pairs' positions among them."""
    wanted = ["rid", *columns, *(f"{c}__vn" if c in LIST_COLUMNS else f"{c}__n" for c in counted)]
    sides = [batch[[f"{p}_{c}" for c in wanted]].set_axis(wanted, axis=1) for p in ("l", "r")]
    table = pd.concat(sides, ignore_index=True).drop_duplicates("rid").sort_values("rid", ignore_index=True)
    rids = table["rid"].to_numpy()
    return (
        encoded_with_counts(table, counted, holders, config),
        np.searchsorted(rids, batch["l_rid"].to_numpy()),
        np.searchsorted(rids, batch["r_rid"].to_numpy()),
    )


def encoded_with_counts(
    table: pd.DataFrame, counted: list[str], holders: dict[str, int], config: LinkageConfig
) -> EncodedRecords:
    """Records of the Spark record table (some of them, rid order) encoded, with the whole table's value counts
    (the `<column>__n` / `__vn` columns of records.value_count_columns) for term frequencies."""
    records = encode_records(table, config.record_columns)
    lookup = pd.Index(records.vocab)
    for c in counted:  # the whole table's count of each value, at the value's code in this batch
        counts = np.zeros(len(records.vocab), dtype=np.int64)
        if c in LIST_COLUMNS:  # `__vn`: the count of each value of the list, in its order
            held = [
                (v, n) for v, n in zip(table[c], table[f"{c}__vn"], strict=True) if v is not None and len(v)
            ]
            if held:
                codes = lookup.get_indexer(np.concatenate([v for v, _ in held]).astype(object))
                n = np.concatenate([n for _, n in held]).astype(np.int64)
                counts[codes[codes >= 0]] = n[codes >= 0]
        else:
            codes = records.scalars[c]
            present = codes >= 0
            counts[codes[present]] = table[f"{c}__n"].to_numpy()[present].astype(np.int64)
        records.value_counts[c] = (counts, holders[c])
    return records


def comparison_schema(config: LinkageConfig, extra: StructType, tf: bool) -> StructType:
    from pyspark.sql.types import ByteType, DoubleType, StructField, StructType

    fields = list(extra.fields) + [StructField(f"g_{c.name}", ByteType(), False) for c in config.comparisons]
    if tf:
        fields += [StructField(f"tf_{c.name}", DoubleType()) for c in config.comparisons if c.term_frequency]
    return StructType(fields)


def compare_pairs(
    pairs: DataFrame,
    records: DataFrame,
    config: LinkageConfig,
    holders: dict[str, int],
    tf: bool = True,
    encoded: Broadcast | None = None,
) -> DataFrame:
    """`pairs` (l, r and any other columns, kept) with g_<comparison> (and tf_<comparison> when `tf`): by
    index into the broadcast table `encoded` when given, else joined with `records`."""
    from pyspark.sql import functions as F

    schema = comparison_schema(config, pairs.schema, tf)
    if encoded is not None:
        names = pairs.columns

        def by_index(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
            table = encoded.value
            for batch in batches:
                extra = {name: batch[name].to_numpy() for name in names}
                out = compare(table, config, extra["l"], extra["r"], tf=tf, extra=extra)
                yield pd.DataFrame({f.name: out[f.name] for f in schema.fields})

        return spread(pairs).mapInPandas(by_index, schema)
    columns = record_columns(config)
    counted = sorted(set(tf_columns(config).values())) if tf else []
    kept = [
        c for c in records.columns if c in ("rid", *columns) or any(c.startswith(f"{t}__") for t in counted)
    ]
    side = {p: records.select(*(F.col(c).alias(f"{p}_{c}") for c in kept)) for p in ("l", "r")}
    joined = (
        spread(pairs)
        .join(side["l"], F.col("l") == F.col("l_rid"))
        .join(side["r"], F.col("r") == F.col("r_rid"))
    )
    extra_names = pairs.columns

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            records_, left, right = _batch_records(batch, columns, counted, holders, config)
            extra = {name: batch[name].to_numpy() for name in extra_names}
            out = compare(records_, config, left, right, tf=tf, extra=extra)
            yield pd.DataFrame({f.name: out[f.name] for f in schema.fields})

    return joined.mapInPandas(run, schema)
