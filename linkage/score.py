"""Fellegi–Sunter scoring: u from random pairs, m by EM per blocking rule, prior by EM, TF-adjusted weights.

Like Splink: u (how often non-matches agree) comes from random record pairs; m (how often matches agree)
from EM on the candidate pairs of each blocking rule, leaving out the comparisons that rule blocked on
(those agree by construction); the prior is the share of all record pairs that match. Weights are in bits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from linkage.compare import PairColumns, compare
from linkage.config import Comparison, LinkageConfig, Thresholds
from linkage.encode import EncodedRecords

MIN_SESSION_PAIRS = 50
# No level is impossible for a true match (people change phones, move, mistype): caps a disagreement at
# about -7 bits, so one differing field never outweighs everything else.
M_FLOOR = 0.005
# Pseudo-pairs/records that pull estimates from tiny inputs towards sensible defaults (no effect at scale).
PRIOR_PAIRS = 200
DEFAULT_U_AGREE = 0.01  # a random pair agrees on a level other than "disagree"


@dataclass
class Parameters:
    m: dict[str, np.ndarray]
    u: dict[str, np.ndarray]
    prior: float  # probability that two random records match
    sessions: list[dict] = field(
        default_factory=list
    )  # per blocking rule: pairs, estimated matches, comparisons

    def level_weights(self, name: str) -> np.ndarray:
        return np.log2(self.m[name] / self.u[name])


def _default_m(c: Comparison) -> np.ndarray:
    """Used when no EM session could estimate a comparison: most mass on exact."""
    m = np.full(c.n_levels, 0.1 / max(c.n_levels - 1, 1))
    m[-1] = 0.9
    return m


def total_pairs(sizes: pd.Series, link_only: bool) -> float:
    """Number of record pairs the prior is a share of."""
    n = float(sizes.sum())
    if link_only:
        return (n * n - float((sizes.astype(float) ** 2).sum())) / 2
    return n * (n - 1) / 2


def u_sample_pairs(n: int, config: LinkageConfig) -> tuple[np.ndarray, np.ndarray]:
    """The random record pairs u is estimated on (all pairs when there are few), before the link_only
    filter and the cut to `u_sample_pairs`."""
    rng = np.random.default_rng(config.scoring.seed)
    want = config.scoring.u_sample_pairs
    if n * (n - 1) / 2 <= want:
        left, right = np.triu_indices(n, k=1)
    else:
        left, right = rng.integers(0, n, size=(2, int(want * 1.1)))
        keep = left != right
        left, right = np.minimum(left[keep], right[keep]), np.maximum(left[keep], right[keep])
    return left.astype(np.int64), right.astype(np.int64)


def estimate_u(records: EncodedRecords, config: LinkageConfig) -> dict[str, np.ndarray]:
    """Level frequencies among random record pairs (all pairs when there are few)."""
    want = config.scoring.u_sample_pairs
    left, right = u_sample_pairs(records.n, config)
    if config.link_type == "link_only":
        keep = records.source[left] != records.source[right]
        left, right = left[keep], right[keep]
    return u_from_levels(compare(records, config, left[:want], right[:want], tf=False), config)


def u_from_levels(sample: PairColumns, config: LinkageConfig) -> dict[str, np.ndarray]:
    """u per comparison from the levels (g_<comparison>) of the random pairs."""
    u = {}
    for c in config.comparisons:
        g = sample[f"g_{c.name}"]
        freq = np.bincount(g[g >= 0], minlength=c.n_levels).astype(float)
        # Pseudo-counts: a level never seen among random pairs is rare, not impossible; tiny inputs lean on
        # the default instead of on a handful of pairs.
        default = np.full(c.n_levels, DEFAULT_U_AGREE)
        default[0] = 1 - DEFAULT_U_AGREE * (c.n_levels - 1)
        u[c.name] = (freq + 0.5 + PRIOR_PAIRS * default) / (freq.sum() + 0.5 * c.n_levels + PRIOR_PAIRS)
    return u


def comparison_patterns(cmp: PairColumns, config: LinkageConfig) -> pd.DataFrame:
    """Distinct (g_<comparison>…, rules) rows with their pair count `n`: EM runs on these, not on pairs."""
    columns = [f"g_{c.name}" for c in config.comparisons]
    radix_bits = len(config.blocking.rules) + sum(np.log2(c.n_levels + 1) for c in config.comparisons)
    if radix_bits > 62:  # too many comparisons for one int64 code
        frame = pd.DataFrame({k: cmp[k] for k in [*columns, "rules"]})
        return frame.groupby([*columns, "rules"], as_index=False).size().rename(columns={"size": "n"})
    code = cmp["rules"].astype(np.int64)
    for c in config.comparisons:  # mixed radix: level + 1 in 0…n_levels
        code = code * (c.n_levels + 1) + cmp[f"g_{c.name}"].astype(np.int64) + 1
    uniq, counts = np.unique(code, return_counts=True)
    out = {}
    for c in reversed(config.comparisons):
        out[f"g_{c.name}"] = (uniq % (c.n_levels + 1) - 1).astype(np.int8)
        uniq = uniq // (c.n_levels + 1)
    return pd.DataFrame({**{k: out[k] for k in columns}, "rules": uniq, "n": counts})


def merge_patterns(parts: list[pd.DataFrame], config: LinkageConfig) -> pd.DataFrame:
    """comparison_patterns of several chunks of pairs as one table (counts summed over the chunks)."""
    columns = [*(f"g_{c.name}" for c in config.comparisons), "rules"]
    if len(parts) == 1:
        return parts[0]
    if not parts:
        return pd.DataFrame({**{k: np.empty(0, np.int8) for k in columns[:-1]}, "rules": np.empty(0, np.int64),
                             "n": np.empty(0, np.int64)})  # fmt: skip
    return pd.concat(parts, ignore_index=True).groupby(columns, as_index=False, sort=True)["n"].sum()


def _em(gammas: np.ndarray, counts: np.ndarray, u: list[np.ndarray], m0: list[np.ndarray], iterations: int):
    """EM for (λ, m) with u fixed; gammas: patterns × comparisons (−1 missing); counts: pairs per pattern."""
    lam = 0.5
    m = [x.copy() for x in m0]
    for _ in range(iterations):
        log_m = np.zeros(len(counts))
        log_u = np.zeros(len(counts))
        for j in range(gammas.shape[1]):
            g = gammas[:, j]
            ok = g >= 0
            log_m[ok] += np.log(m[j][g[ok]])
            log_u[ok] += np.log(u[j][g[ok]])
        logit = np.log(lam) - np.log1p(-lam) + log_m - log_u
        post = 1.0 / (1.0 + np.exp(-np.clip(logit, -700, 700)))
        weight = post * counts
        new_lam = float(np.clip(weight.sum() / counts.sum(), 1e-9, 1 - 1e-9))
        for j in range(gammas.shape[1]):
            g = gammas[:, j]
            mass = np.bincount(g[g >= 0], weights=weight[g >= 0], minlength=len(m[j]))
            if mass.sum() > 0:
                m[j] = np.clip(mass / mass.sum(), 1e-6, None)
                m[j] /= m[j].sum()
        converged = abs(new_lam - lam) < 1e-7
        lam = new_lam
        if converged:
            break
    return lam, m, float((post * counts).sum())


def estimate_m(
    patterns: pd.DataFrame, config: LinkageConfig, u: dict[str, np.ndarray]
) -> tuple[dict, list[dict]]:
    """One EM session per blocking rule over the pairs it found, without the comparisons it blocked on."""
    estimates: dict[str, list[np.ndarray]] = {c.name: [] for c in config.comparisons}
    sessions = []
    rules = patterns["rules"].to_numpy()
    for k, rule in enumerate(config.blocking.rules):
        chosen = (rules & (1 << k)) != 0
        n_pairs = int(patterns.loc[chosen, "n"].sum())
        comps = [c for c in config.comparisons if not (c.uses & set(rule.columns))]
        if n_pairs < MIN_SESSION_PAIRS or not comps:
            sessions.append({"rule": rule.name, "pairs": n_pairs, "estimated": []})
            continue
        # The patterns again without the comparisons this rule blocked on.
        gammas, which = np.unique(
            patterns.loc[chosen, [f"g_{c.name}" for c in comps]].to_numpy(dtype=np.int64),
            axis=0,
            return_inverse=True,
        )
        counts = np.bincount(which.ravel(), weights=patterns.loc[chosen, "n"].to_numpy(dtype=float))
        lam, m, _ = _em(
            gammas, counts, [u[c.name] for c in comps], [_default_m(c) for c in comps],
            config.scoring.em_iterations,
        )  # fmt: skip
        for c, mj in zip(comps, m, strict=True):
            estimates[c.name].append(mj)
        sessions.append({"rule": rule.name, "pairs": n_pairs, "match_share": round(lam, 4),
                         "estimated": [c.name for c in comps]})  # fmt: skip
    m = {}
    for c in config.comparisons:
        # The per-level median over sessions: one session whose EM collapsed (all pairs "matches") cannot
        # drag every estimate with it.
        if estimates[c.name]:
            median = np.clip(np.median(np.vstack(estimates[c.name]), axis=0), M_FLOOR, None)
            m[c.name] = median / median.sum()
        else:
            m[c.name] = _default_m(c)
    return m, sessions


def weights_by_comparison(
    cmp: PairColumns,
    config: LinkageConfig,
    m: dict[str, np.ndarray],
    u: dict[str, np.ndarray],
    tf_records: dict[str, int] | None = None,
) -> PairColumns:
    """weight_<comparison> in bits for each pair; exact agreement on a rare value weighs more (TF)."""
    out = {}
    floor = config.scoring.tf_minimum
    for c in config.comparisons:
        g = cmp[f"g_{c.name}"]
        table = np.log2(m[c.name] / u[c.name])
        w = np.where(g >= 0, table[np.clip(g, 0, None)], 0.0)
        tf_col = f"tf_{c.name}"
        if c.term_frequency and tf_col in cmp:
            tf = np.asarray(cmp[tf_col], dtype=float)
            n = (tf_records or {}).get(c.name, 0)
            tf = (tf * n + PRIOR_PAIRS * u[c.name][-1]) / (n + PRIOR_PAIRS)  # small inputs: towards plain u
            top = (g == c.n_levels - 1) & ~np.isnan(tf)
            w[top] = np.log2(m[c.name][-1] / np.maximum(tf[top], floor))
        out[f"weight_{c.name}"] = w
    return out


def estimate_prior(
    evidence: np.ndarray, n_total_pairs: float, iterations: int = 100, counts: np.ndarray | None = None
) -> float:
    """λ over all record pairs by EM, taking pairs outside the candidate set as non-matches.

    `counts`: pairs per `evidence` value, when the evidence comes as distinct values (linkage/spark)."""
    n_pairs = len(evidence) if counts is None else int(counts.sum())
    lam = max(n_pairs, 1) / max(n_total_pairs, 1.0) * 0.1
    for _ in range(iterations):
        logit = np.log2(lam / (1 - lam)) + evidence
        p = 1.0 / (1.0 + np.exp2(-np.clip(logit, -1000, 1000)))
        expected = float(p.sum() if counts is None else (p * counts).sum())
        new = min(max(expected / max(n_total_pairs, 1.0), 1e-12), 0.5)
        if abs(new - lam) <= 1e-9 * lam:
            lam = new
            break
        lam = new
    return lam


def fit_supervised(cmp: PairColumns, labels: np.ndarray, config: LinkageConfig) -> tuple[dict, float]:
    """Logistic regression on one-hot comparison levels; returns per-level weights (bits) and intercept (bits)."""
    from sklearn.linear_model import LogisticRegression

    columns, blocks = [], []
    for c in config.comparisons:
        g = cmp[f"g_{c.name}"]
        for level in range(c.n_levels):
            columns.append((c.name, level))
            blocks.append((g == level).astype(np.float32))
    x = np.column_stack(blocks)
    if len(np.unique(labels)) < 2:
        raise ValueError(
            "supervised scoring needs labelled matches and non-matches among the candidate pairs"
        )
    model = LogisticRegression(C=1.0, max_iter=1000).fit(x, labels)
    tables = {c.name: np.zeros(c.n_levels) for c in config.comparisons}
    for (name, level), coef in zip(columns, model.coef_[0], strict=True):
        tables[name][level] = coef / np.log(2)
    return tables, float(model.intercept_[0] / np.log(2))


def match_probability(match_weight: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp2(-np.clip(match_weight, -1000, 1000)))


def decisions(probability: np.ndarray, thresholds: Thresholds) -> np.ndarray:
    """int8 per pair: 0 non-match, 1 review, 2 match."""
    return (probability >= thresholds.review).astype(np.int8) + (probability >= thresholds.match)
