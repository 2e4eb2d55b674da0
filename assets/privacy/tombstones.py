"""Erasure tombstones: hashed identifiers of people who asked to be forgotten.

Placeholder interface, owned by the delivery/protection work (issue 7), which replaces the body.
"""

from __future__ import annotations

import pandas as pd

from assets.layout import DataLayout


def drop_erased(frame: pd.DataFrame, entity: str, layout: DataLayout) -> tuple[pd.DataFrame, int]:
    """Return the rows of `frame` (canonical columns of `entity`) that match no tombstone, and how many were dropped."""
    return frame, 0
