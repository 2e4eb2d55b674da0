"""The linkage sanity check's figures computed in pandas over a customer file frame: the reference the check's
DuckDB queries over the zone files (orchestration/checks.py) are compared with, and a handy way to build figures in
the tests."""

from __future__ import annotations

import hashlib

import pandas as pd

from orchestration.checks import size_stats


def cluster_sizes(xref: pd.DataFrame) -> pd.Series:
    """Records per customer (unlinked records, with no customer_id, left out), in no particular order."""
    return xref["customer_id"].value_counts(sort=False, dropna=True)


def xref_stats(xref: pd.DataFrame, sizes: pd.Series | None = None) -> dict[str, float]:
    """`size_stats` of a customer file frame (`sizes`: its `cluster_sizes`, when the caller has them)."""
    return size_stats(len(xref), cluster_sizes(xref) if sizes is None else sizes)


def record_keys(xref: pd.DataFrame) -> pd.DataFrame:
    """(record_key, customer_id) as the check keeps them: the first 20 hex digits of the SHA-256 of
    `source \\x1f source_record_id`, values as Python's `str` gives them."""
    joined = xref["source"].astype(str) + "\x1f" + xref["source_record_id"].astype(str)
    keys = [hashlib.sha256(k.encode("utf-8")).hexdigest()[:20] for k in joined]
    return pd.DataFrame({"record_key": keys, "customer_id": xref["customer_id"].astype(str).to_numpy()})


def stability(previous: pd.DataFrame, current: pd.DataFrame) -> dict[str, float]:
    """On records present in both runs (`record_keys` frames): how many of last run's customers were merged into
    others (collapse)."""
    common = previous.merge(current, on="record_key", suffixes=("_prev", "_cur"))
    before, after = common["customer_id_prev"].nunique(), common["customer_id_cur"].nunique()
    return {
        "stable_records": len(common),
        "customers_before": before,
        "customers_after": after,
        "collapse": round(1 - after / before, 6) if before else 0.0,
    }
