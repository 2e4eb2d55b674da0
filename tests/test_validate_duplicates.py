"""Exact copies found batch by batch (first occurrence wins, across batches); keys that repeat with different
content are conflicts, keys repeated only by exact copies are not."""

from __future__ import annotations

import pyarrow as pa

from assets.validate.duplicates import CopyFinder, key_conflicts


def rows(lines: list[int], ids: list[str], names: list[str]) -> pa.Table:
    return pa.table(
        {"_line": pa.array(lines, pa.int64()), "id": ids, "name": names, "_extra": ["{}"] * len(ids)}
    )


def test_copies_across_batches_point_at_the_first_occurrence():
    finder = CopyFinder()
    assert finder.copies(rows([2, 3, 4], ["a", "b", "a"], ["x", "y", "x"])) == {4: 2}
    assert finder.copies(rows([5, 6, 7], ["b", "c", "a"], ["y", "z", "X"])) == {5: 3}  # 'X' differs from 'x'
    assert finder.copies(rows([8, 9], ["c", "c"], ["z", "z"])) == {8: 6, 9: 6}
    assert finder.copies(rows([], [], [])) == {}


def test_key_conflicts_ignore_exact_copies():
    table = rows([2, 3, 4, 5, 6], ["a", "a", "b", "b", ""], ["x", "x", "y", "Y", "q"])
    assert key_conflicts(table.select, table.column_names, ["id"]) == frozenset({"b"})
    assert key_conflicts(table.select, table.column_names, []) == frozenset()
