"""Apply a scalar function once per distinct value: real columns repeat values (cities, names, placeholders)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import pandas as pd

T = TypeVar("T")


def map_unique(values: pd.Series, fn: Callable[[str], Any], dtype: str | None = "string") -> pd.Series:
    """`fn(str)` for every distinct non-missing value; missing stays <NA>. Index is preserved."""
    text = values.astype("string")
    present = text.dropna()
    uniques = pd.unique(present.to_numpy())
    mapping = {u: fn(u) for u in uniques}
    out = text.map(mapping, na_action="ignore")
    if dtype is None:
        return out.astype(object).where(out.notna(), None)
    return out.astype(dtype)


MEMO_SIZE = 1 << 17  # distinct values remembered per function: tens of MB at most
_MEMOS: list = []


def remembered(
    fn: Callable[..., T] | None = None, *, maxsize: int | None = MEMO_SIZE
) -> Callable[..., T] | Callable[[Callable[..., T]], Callable[..., T]]:
    """`fn` (pure, hashable arguments, immutable result) remembered across calls, batches and sources:
    a night's phones, addresses and names recur in every source, and silver and the person records read the
    same columns. Bounded (least recently used dropped first; `@remembered(maxsize=None)`: not bounded, for a
    function every step calls for the same values), thread-safe; `forget()` empties every memo."""
    if fn is None:
        return functools.partial(remembered, maxsize=maxsize)
    memo = functools.lru_cache(maxsize=maxsize)(fn)
    _MEMOS.append(memo)
    return memo


def forget() -> None:
    """Empty every memo (the end of a night's standardise: its values are not the next night's)."""
    for memo in _MEMOS:
        memo.cache_clear()
