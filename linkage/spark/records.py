"""The record table on Spark: prepared in batches by `linkage.prepare.prepare_columns`, numbered like the local
engine (rid in (source, source_record_id) order), with the whole table's value counts for term frequencies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from linkage.compare import tf_column
from linkage.config import LIST_COLUMNS, LinkageConfig
from linkage.prepare import prepare_columns

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

KEYS = ["source", "source_record_id"]


def record_columns(config: LinkageConfig) -> list[str]:
    """Columns of the record table the rules and comparisons read, plus the record's key."""
    return [*KEYS, *sorted(config.record_columns - set(KEYS))]


def tf_columns(config: LinkageConfig) -> dict[str, str]:
    """Comparison → the record column whose value counts adjust it (term frequencies)."""
    out = {}
    for c in config.comparisons:
        if c.term_frequency:
            out[c.name] = c.column if c.kind == "overlap" else tf_column(c)
    return out


def _strings(values: object) -> list[str | None]:
    items = values if isinstance(values, list | tuple | np.ndarray) else []
    return [None if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in items]


def _prepare_batches(columns: list[str]):
    def prepare(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            table = prepare_columns(batch)
            out = pd.DataFrame(index=table.index)
            for c in columns:
                if c in LIST_COLUMNS:
                    out[c] = (
                        [_strings(v) for v in table[c]] if c in table else [[] for _ in range(len(table))]
                    )
                else:
                    out[c] = table.get(c)
            yield out

    return prepare


def prepared_records(persons: DataFrame, config: LinkageConfig) -> DataFrame:
    """rid (0…n-1 in (source, source_record_id) order) and the record columns; raises on repeated keys."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import ArrayType, LongType, StringType, StructField, StructType

    columns = record_columns(config)
    schema = StructType(
        [StructField(c, ArrayType(StringType()) if c in LIST_COLUMNS else StringType()) for c in columns]
    )
    table = persons.mapInPandas(_prepare_batches(columns), schema).localCheckpoint()  # prepared once
    repeated = table.groupBy(*KEYS).count().where("count > 1").limit(3).collect()
    if repeated:
        dupes = [{k: row[k] for k in KEYS} for row in repeated]
        raise ValueError(f"person records must be unique per (source, source_record_id); repeated: {dupes}")
    # Sorted, then numbered: each partition's rows count from the sizes of the partitions before it.
    ordered = (
        table.orderBy(*KEYS)
        .withColumn("_part", F.spark_partition_id())
        .withColumn("_pos", F.monotonically_increasing_id())
        .localCheckpoint()
    )
    sizes = ordered.groupBy("_part").agg(F.count("*").alias("n"), F.min("_pos").alias("first")).collect()
    offset, rows = 0, []
    for row in sorted(sizes, key=lambda r: r["_part"]):
        rows.append((row["_part"], offset - row["first"]))
        offset += row["n"]
    shifts = persons.sparkSession.createDataFrame(
        rows, StructType([StructField("_part", LongType()), StructField("_shift", LongType())])
    ).withColumn("_part", F.col("_part").cast("int"))
    return ordered.join(F.broadcast(shifts), "_part").select(
        (F.col("_pos") + F.col("_shift")).alias("rid"), *columns
    )


def _present(column: str):
    from pyspark.sql import functions as F

    return F.col(column).isNotNull() & (F.col(column) != "")


def with_value_counts(records: DataFrame, config: LinkageConfig) -> tuple[DataFrame, dict[str, int]]:
    """The records with `<column>__n` (records holding the value; for a list column `<column>__vn`, an array
    of (v, n)) for each term-frequency column, and the records holding any value per column."""
    from pyspark.sql import functions as F

    holders: dict[str, int] = {}
    out = records
    counts_by_column = {}
    for column in sorted(set(tf_columns(config).values())):
        if column in LIST_COLUMNS:
            held = records.select("rid", F.explode(column).alias("v")).where(_present("v")).distinct()
            counts = held.groupBy("v").agg(F.count("*").alias("n"))
            per_record = (
                held.join(counts, "v")
                .groupBy("rid")
                .agg(F.collect_list(F.struct("v", "n")).alias(f"{column}__vn"))
            )
            out = out.join(per_record, "rid", "left")
            counts_by_column[column] = F.count(F.when(F.size(f"{column}__vn") > 0, 1))
        else:
            counts = records.where(_present(column)).groupBy(column).agg(F.count("*").alias(f"{column}__n"))
            out = out.join(counts, column, "left")
            counts_by_column[column] = F.count(f"{column}__n")
    out = out.localCheckpoint()
    if counts_by_column:  # records holding any value: one pass for every column
        row = out.agg(*(expr.alias(c) for c, expr in counts_by_column.items())).collect()[0]
        holders = {c: int(row[c]) for c in counts_by_column}
    return out, holders
