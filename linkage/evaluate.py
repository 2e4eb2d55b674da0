"""Pair and cluster precision / recall / F1 against ground truth (tests, bench/)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def _f1(tp: float, predicted: float, actual: float) -> dict[str, float]:
    precision = tp / predicted if predicted else 1.0
    recall = tp / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "tp": int(tp),
        "predicted": int(predicted),
        "actual": int(actual),
    }


def _ordered(pairs: pd.DataFrame) -> pd.DataFrame:
    a, b = pairs.iloc[:, 0].astype(str), pairs.iloc[:, 1].astype(str)
    return pd.DataFrame({"a": np.minimum(a, b), "b": np.maximum(a, b)}).drop_duplicates()


def evaluate_pairs(predicted: pd.DataFrame, truth: pd.DataFrame) -> dict[str, float]:
    """Both frames: two columns of record keys (any order within a pair). Precision, recall, F1, counts."""
    p, t = _ordered(predicted), _ordered(truth)
    tp = len(p.merge(t, on=["a", "b"]))
    return _f1(tp, len(p), len(t))


def _pairs_in(sizes: pd.Series) -> float:
    s = sizes.to_numpy(dtype=float)
    return float((s * (s - 1) / 2).sum())


def evaluate_clusters(predicted: pd.Series, truth: pd.Series) -> dict[str, float]:
    """Pairwise precision/recall/F1 of two clusterings (Series: record key → cluster label), plus the share
    of true clusters reproduced exactly. Records missing from either side count as singletons."""
    frame = pd.DataFrame({"p": predicted}).join(pd.DataFrame({"t": truth}), how="outer")
    frame["p"] = frame["p"].astype(object).where(frame["p"].notna(), "_p" + frame.index.astype(str))
    frame["t"] = frame["t"].astype(object).where(frame["t"].notna(), "_t" + frame.index.astype(str))
    tp = _pairs_in(frame.groupby(["p", "t"]).size())
    result = _f1(tp, _pairs_in(frame.groupby("p").size()), _pairs_in(frame.groupby("t").size()))
    signature_p = frame.groupby("p").apply(lambda g: tuple(sorted(g.index)), include_groups=False)
    signature_t = frame.groupby("t").apply(lambda g: tuple(sorted(g.index)), include_groups=False)
    result["exact_clusters"] = len(set(signature_p) & set(signature_t)) / max(len(signature_t), 1)
    return result


def pairs_from_clusters(labels: pd.Series) -> pd.DataFrame:
    """Every pair of records sharing a label (for ground truth given as clusters)."""
    frame = pd.DataFrame({"key": labels.index.astype(str), "label": labels.to_numpy()}).dropna()
    joined = frame.merge(frame, on="label")
    joined = joined[joined["key_x"] < joined["key_y"]]
    return joined[["key_x", "key_y"]].reset_index(drop=True)
