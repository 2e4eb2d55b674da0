"""The record table on Spark (prepared on the driver by `linkage.prepare.prepare_records`, rid as there): the
columns the rules and comparisons read, with the whole table's value counts for term frequencies (counted on the
driver, which holds the encoded table already: a dozen Spark shuffles fewer)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from linkage.compare import tf_column
from linkage.config import LIST_COLUMNS, LinkageConfig
from linkage.encode import EncodedRecords, value_counts

if TYPE_CHECKING:
    import pyarrow as pa

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


def value_count_columns(
    records: EncodedRecords, config: LinkageConfig, lists: dict[str, pa.ListArray]
) -> tuple[dict[str, pa.Array], dict[str, int]]:
    """The whole table's value counts for term frequencies, as record-table columns (Arrow arrays): `<column>__n`
    (records holding the record's value) or, for a list column (its values per record in `lists`),
    `<column>__vn` (the count of each of the record's values, in the list's order: plain numbers cross Arrow
    into pandas far faster than structs); and the records holding any value per column. From the driver's
    encoded table (encode.value_counts): the counts the local engine uses."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    columns: dict[str, pa.Array] = {}
    holders: dict[str, int] = {}
    for column in sorted(set(tf_columns(config).values())):
        counts, holders[column] = value_counts(records, column)
        if column in LIST_COLUMNS:
            held = lists[column]
            codes = pd.Index(records.vocab).get_indexer(held.flatten().to_numpy(zero_copy_only=False))
            found = np.where(codes >= 0, counts[np.maximum(codes, 0)], 0).astype(np.int64)
            columns[f"{column}__vn"] = pa.ListArray.from_arrays(held.offsets, pa.array(found))
        else:
            codes = records.scalars[column]
            columns[f"{column}__n"] = pa.array(counts[np.maximum(codes, 0)].astype(np.int64), mask=codes < 0)
    return columns, holders
