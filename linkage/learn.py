"""Learning from steward decisions: the EM weights corrected by the labelled pairs.

A maximum a posteriori logistic regression whose prior is the unsupervised model: the match weight of a pair
becomes base + δ₀ + Σ_c (w_c + δ_{c,level}), with an L2 penalty pulling every δ to 0. With a few labels the
model stays the EM one; with many it moves to what the labels say, level by level, keeping the term-frequency
adjustments EM computed. Labels usually come from the review band, so they correct exactly the weights that
decide uncertain pairs.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from linkage.config import LinkageConfig
from linkage.constraints import latest_decisions, record_key

MIN_LABELS = 50  # labelled candidate pairs (both classes present) before the weights are corrected
PENALTY = 1.0  # L2 strength towards the EM weights, per δ (in nats²), as if each level had one prior pair


def pair_labels(
    keys: pd.Series, left: np.ndarray, right: np.ndarray, decisions: pd.DataFrame | None
) -> np.ndarray:
    """Per scored pair: 1 (same person), 0 (different people), NaN (no decision or unsure)."""
    decided = latest_decisions(decisions)
    decided = decided[decided["label"] != "unsure"]
    out = np.full(len(left), np.nan)
    if decided.empty or not len(left):
        return out
    a, b = keys.to_numpy()[left], keys.to_numpy()[right]
    pair = pd.Series(np.where(a <= b, a + "\x1f" + b, b + "\x1f" + a))
    d_key = (
        record_key(decided["source_l"], decided["id_l"])
        + "\x1f"
        + record_key(decided["source_r"], decided["id_r"])
    )
    label = pd.Series((decided["label"] == "match").astype(float).to_numpy(), index=d_key.to_numpy())
    return pair.map(label).to_numpy(dtype=float)


@dataclass
class Correction:
    """What the labels moved: a shift per comparison level (bits) and of the intercept."""

    tables: dict[str, np.ndarray]
    intercept: float


def steward_fingerprint(decisions: pd.DataFrame | None) -> str:
    """The labels the weights learn from ('' when too few to learn): a night whose labels differ from the
    stored model's corrects every pair of the file, not only the night's."""
    decided = latest_decisions(decisions)
    decided = decided[decided["label"] != "unsure"]
    if len(decided) < MIN_LABELS or decided["label"].nunique() < 2:
        return ""
    rows = decided[["source_l", "id_l", "source_r", "id_r", "label"]].astype(str).agg("\x1f".join, axis=1)
    return hashlib.sha256("\n".join(sorted(rows)).encode()).hexdigest()[:16]


def correct_weights(
    weights: dict[str, np.ndarray],
    levels: dict[str, np.ndarray],
    base: float,
    y: np.ndarray,
    config: LinkageConfig,
    min_labels: int | None = None,
) -> tuple[dict[str, np.ndarray], float, dict]:
    """`weights`: weight_<comparison> per pair (bits); `levels`: g_<comparison> per pair; `y`: pair_labels.

    Returns corrected weights, base and a summary; unchanged when the labels are too few or one-sided."""
    correction, info = fit_correction(weights, levels, base, y, config, min_labels)
    if correction is None:
        return weights, base, info
    return apply_correction(weights, levels, correction, config), base + correction.intercept, info


def apply_correction(
    weights: dict[str, np.ndarray],
    levels: dict[str, np.ndarray],
    correction: Correction,
    config: LinkageConfig,
) -> dict[str, np.ndarray]:
    out = {}
    for c in config.comparisons:
        g = levels[f"g_{c.name}"]
        table = correction.tables[c.name]
        out[f"weight_{c.name}"] = weights[f"weight_{c.name}"] + np.where(
            g >= 0, table[np.clip(g, 0, None)], 0.0
        )
    return out


def fit_correction(
    weights: dict[str, np.ndarray],
    levels: dict[str, np.ndarray],
    base: float,
    y: np.ndarray,
    config: LinkageConfig,
    min_labels: int | None = None,
) -> tuple[Correction | None, dict]:
    """The correction the labelled pairs (`y` not NaN) ask for, and a summary; None when too few or one-sided."""
    min_labels = MIN_LABELS if min_labels is None else min_labels
    known = ~np.isnan(y)
    n_pos, n_neg = int((y[known] == 1).sum()), int((y[known] == 0).sum())
    info = {"labels": int(known.sum()), "same": n_pos, "different": n_neg, "corrected": False}
    if known.sum() < min_labels or not n_pos or not n_neg:
        return None, info
    offset = base + sum(w[known] for w in weights.values())  # bits
    columns = [(c.name, level) for c in config.comparisons for level in range(c.n_levels)]
    x = np.column_stack(
        [np.ones(int(known.sum()))]
        + [(levels[f"g_{name}"][known] == level).astype(float) for name, level in columns]
    )
    target = y[known]

    def loss(delta: np.ndarray) -> tuple[float, np.ndarray]:
        z = (offset + x @ delta) * np.log(2)  # nats
        p = 1.0 / (1.0 + np.exp(-np.clip(z, -700, 700)))
        nll = np.sum(np.logaddexp(0, z) - target * z)
        grad = x.T @ (p - target) * np.log(2)
        return nll + PENALTY * np.sum((delta * np.log(2)) ** 2), grad + 2 * PENALTY * delta * np.log(2) ** 2

    delta = minimize(loss, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B").x
    tables, k = {}, 1
    for c in config.comparisons:
        tables[c.name] = delta[k : k + c.n_levels]
        k += c.n_levels
    info.update(corrected=True, intercept_shift=round(float(delta[0]), 3),
                largest_shift=round(float(np.abs(delta[1:]).max()), 3))  # fmt: skip
    return Correction(tables, float(delta[0])), info
