"""Apply a scalar function once per distinct value: real columns repeat values (cities, names, placeholders)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd


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
