"""An incremental night's pairs table: last run's pairs of the records it did not link again, then its own,
by descending weight; handed over, last run's table is emptied column by column as it is carried."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from assets.parquet_files import write_parquet_atomic
from linkage.constraints import record_key
from linkage.incremental import _carry_pairs
from linkage.pair_table import OrderedPairs, review_rows


def _pairs(ids: list[tuple[str, str]], weights: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source_l": "crm", "id_l": [a for a, _ in ids], "source_r": "shop", "id_r": [b for _, b in ids],
            "match_weight": np.asarray(weights, dtype=float), "decision": "match", "note": "",
        }
    )  # fmt: skip


def test_carried_pairs_are_the_same_whether_handed_over_or_not():
    previous = _pairs([("1", "a"), ("2", "b"), ("3", "c"), ("4", "d")], [9.0, 7.0, 7.0, 1.0])
    night = _pairs([("2", "x"), ("5", "e")], [8.0, 7.0])
    relinked = pd.Index(record_key(pd.Series(["crm"]), pd.Series(["2"])))
    removed = pd.Index(record_key(pd.Series(["shop"]), pd.Series(["d"])))
    kept = _carry_pairs(previous, relinked, removed, night)
    assert list(zip(kept["id_l"], kept["id_r"], strict=True)) == [
        ("1", "a"),
        ("2", "x"),
        ("3", "c"),
        ("5", "e"),
    ]
    handed = previous.copy()
    again = _carry_pairs(handed, relinked, removed, night, handed=True)
    pd.testing.assert_frame_equal(again, kept)
    assert handed.columns.empty and len(previous.columns) == 7  # only the handed-over copy is emptied


def test_carried_pairs_are_pandas_join_and_stable_sort_column_by_column():
    """Each column gathered once from last run's kept rows and the night's is what joining them and sorting by
    descending weight (stable) gives, ties between the two in their order; a column whose type differs
    between the two (int8 / int64) is joined as pandas joins it."""
    rng = np.random.default_rng(3)
    ids = [(str(i), f"r{i}") for i in range(200)]
    previous = _pairs(ids, rng.integers(0, 6, 200).astype(float)).assign(
        level=np.arange(200, dtype=np.int8), tf=np.where(np.arange(200) % 7, 0.5, np.nan)
    )
    night = _pairs([(str(i), f"n{i}") for i in range(0, 400, 9)], rng.integers(0, 6, 45).astype(float))
    night = night.assign(level=np.arange(45, dtype=np.int64), tf=np.linspace(0, 1, 45))
    relinked = pd.Index(record_key(pd.Series(["crm"] * 30), pd.Series([str(i) for i in range(0, 90, 3)])))
    out = _carry_pairs(previous, relinked, pd.Index([]), night)
    kept = ~previous["id_l"].isin([str(i) for i in range(0, 90, 3)])
    expected = pd.concat([previous[kept], night], ignore_index=True)
    expected = expected.sort_values("match_weight", ascending=False, kind="stable").reset_index(drop=True)
    pd.testing.assert_frame_equal(out, expected)
    assert out["level"].dtype == np.int64 and len(out) == 200 - 30 + 45


def test_last_runs_pairs_as_read_are_carried_in_arrow_as_pandas_carries_them():
    """Given last run's pairs as an Arrow table (as read from match_pairs), the night's pairs table is an
    Arrow table equal to the pandas one, weight ties in the same order, the file's schema kept; a night whose
    columns pandas would join otherwise (another type) is joined in pandas, as before."""
    rng = np.random.default_rng(5)
    previous = _pairs([(str(i), f"r{i}") for i in range(300)], rng.integers(0, 5, 300).astype(float))
    previous = previous.assign(level=np.arange(300, dtype=np.int8))
    previous = previous.sort_values("match_weight", ascending=False, kind="stable", ignore_index=True)
    night = _pairs([(str(i), f"n{i}") for i in range(0, 600, 11)], rng.integers(0, 5, 55).astype(float))
    night = night.assign(level=np.arange(55, dtype=np.int8))
    relinked = pd.Index(record_key(pd.Series(["crm"] * 40), pd.Series([str(i) for i in range(0, 200, 5)])))
    removed = pd.Index(record_key(pd.Series(["shop"]), pd.Series(["r299"])))
    expected = _carry_pairs(previous.copy(), relinked, removed, night)
    read = pa.Table.from_pandas(previous, preserve_index=False)
    carried = _carry_pairs(read, relinked, removed, night)
    assert isinstance(carried, OrderedPairs) and carried.schema.equals(read.schema, check_metadata=True)
    pd.testing.assert_frame_equal(carried.to_table().to_pandas(), expected)
    assert len(expected) == 300 - 40 - 1 + 55
    other = night.assign(level=night["level"].astype(np.int64))
    joined = _carry_pairs(read, relinked, removed, other)
    assert isinstance(joined, pd.DataFrame)
    pd.testing.assert_frame_equal(joined, _carry_pairs(previous.copy(), relinked, removed, other))
    assert joined["level"].dtype == np.int64


def test_carried_pairs_are_written_a_batch_at_a_time_as_the_gathered_table(tmp_path, monkeypatch):
    """Last run's pairs carried in Arrow are not gathered into one table: the file holds the rows of the
    gathered table in its order, written a row group per batch of rows; the review queue is its review rows."""
    monkeypatch.setattr("linkage.pair_table.BATCH_ROWS", 64)
    rng = np.random.default_rng(11)
    previous = _pairs([(str(i), f"r{i}") for i in range(500)], rng.normal(0, 5, 500))
    previous = previous.assign(decision=np.where(np.arange(500) % 4, "match", "review"))
    previous = previous.sort_values("match_weight", ascending=False, kind="stable", ignore_index=True)
    night = _pairs([(str(i), f"n{i}") for i in range(0, 700, 7)], rng.normal(0, 5, 100)).assign(
        decision="review"
    )
    relinked = pd.Index(record_key(pd.Series(["crm"] * 50), pd.Series([str(i) for i in range(0, 250, 5)])))
    expected = _carry_pairs(previous.copy(), relinked, pd.Index([]), night)
    carried = _carry_pairs(
        pa.Table.from_pandas(previous, preserve_index=False), relinked, pd.Index([]), night
    )
    assert isinstance(carried, OrderedPairs) and len(carried) == len(expected) == 500 - 50 + 100
    path = write_parquet_atomic(carried, tmp_path / "match_pairs.parquet")
    written = pq.ParquetFile(path)
    assert written.metadata.num_row_groups == -(-len(expected) // 64)
    pd.testing.assert_frame_equal(written.read().to_pandas(), expected)
    pd.testing.assert_frame_equal(review_rows(carried).to_pandas(), review_rows(expected))
