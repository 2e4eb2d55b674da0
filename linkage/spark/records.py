"""The record table on Spark (prepared on the driver by `linkage.prepare.prepare_records`, rid as there): the
columns the rules and comparisons read, with the whole table's value counts for term frequencies."""

from __future__ import annotations

from typing import TYPE_CHECKING

from linkage.compare import tf_column
from linkage.config import LIST_COLUMNS, LinkageConfig

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
