"""link(): person records → candidate pairs → comparison levels → scores → clusters → customer ids.

Records are integer-coded once (linkage/encode.py); every later step is array code over those codes and
the pair arrays (l, r), no per-pair Python.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from linkage.blocking import block
from linkage.cluster import guarded_clusters
from linkage.compare import PairColumns, compare
from linkage.config import LinkageConfig
from linkage.encode import EncodedRecords, encode_records
from linkage.identity import assign_customer_ids
from linkage.prepare import prepare_records
from linkage.score import (
    Parameters,
    comparison_patterns,
    decisions,
    estimate_m,
    estimate_prior,
    estimate_u,
    fit_supervised,
    match_probability,
    total_pairs,
    weights_by_comparison,
)

DECISIONS = np.array(["non_match", "review", "match"], dtype=object)  # indexed by the int8 decision code
NON_MATCH, REVIEW, MATCH = 0, 1, 2
XREF_COLUMNS = ["source", "source_record_id", "customer_id", "cluster_size", "match_probability", "linked_at"]


@dataclass
class LinkageResult:
    xref: pd.DataFrame
    pairs: pd.DataFrame
    review: pd.DataFrame
    history: pd.DataFrame
    summary: dict
    parameters: Parameters | None = None
    timings: dict[str, float] = field(default_factory=dict)


def _tf_records(records: EncodedRecords, config: LinkageConfig) -> dict[str, int]:
    """Records holding a value, per comparison (how far to trust its term frequencies)."""
    out = {}
    for c in config.comparisons:
        if c.kind == "overlap":
            out[c.name] = int((records.lists[c.column].lengths > 0).sum())
        else:
            out[c.name] = int(
                (records.scalars[f"{c.column}_key" if c.kind == "name" else c.column] >= 0).sum()
            )
    return out


def _rows(columns: PairColumns, mask: np.ndarray) -> PairColumns:
    return {k: v[mask] for k, v in columns.items()}


def _total(weights: PairColumns, n: int) -> np.ndarray:
    """Sum of the per-comparison weights of each pair (bits)."""
    total = np.zeros(n)
    for w in weights.values():
        total += w
    return total


def _labels_for_pairs(rec: pd.DataFrame, cmp: PairColumns, labels: pd.DataFrame) -> np.ndarray:
    """1 where both records of a candidate pair carry the same ground-truth entity, 0 where they differ."""
    key = rec["source"] + "\x1f" + rec["source_record_id"]
    lab_key = labels["source"].astype(str) + "\x1f" + labels["source_record_id"].astype(str)
    entity = key.map(
        pd.Series(labels["entity_id"].astype(str).to_numpy(), index=lab_key.to_numpy())
    ).to_numpy()
    left, right = entity[cmp["l"]], entity[cmp["r"]]
    known = pd.notna(left) & pd.notna(right)
    return np.where(known, (left == right).astype(float), np.nan)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """The engine makes few reference cycles, and a collection mid-run would rescan every string and list of
    the record table (about a tenth of the run time at 100k records)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@_gc_paused()
def link(
    persons: pd.DataFrame,
    config: LinkageConfig,
    previous_xref: pd.DataFrame | None = None,
    run_id: str = "",
    training_labels: pd.DataFrame | None = None,
) -> LinkageResult:
    """Link person records (docs/CONTRACTS.md) into customers.

    `previous_xref`: the last run's customer_xref, so existing customers keep their ids.
    `training_labels` (source, source_record_id, entity_id): ground truth for `scoring.method: supervised`.
    """
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 3)
        clock = now

    at = pd.Timestamp.now(tz="UTC").tz_localize(None).floor("s")
    rec = prepare_records(persons)
    lap("prepare")
    records = encode_records(rec, config.record_columns)
    candidates, stats = block(records, config)
    lap("blocking")
    u = estimate_u(records, config)
    lap("u_sampling")
    pair_columns = {"l": candidates.left, "r": candidates.right, "rules": candidates.rules,
                    "first_rule": candidates.first_rule}  # fmt: skip
    cmp = compare(records, config, candidates.left, candidates.right, extra=pair_columns)
    lap("compare")

    n_total = total_pairs(rec.groupby("source").size(), config.link_type == "link_only")
    params: Parameters | None = None
    if config.scoring.method == "supervised":
        if training_labels is None:
            raise ValueError(
                "scoring.method is 'supervised': pass training_labels (source, source_record_id, entity_id)"
            )
        labelled = _labels_for_pairs(rec, cmp, training_labels)
        known = ~np.isnan(labelled)
        tables, base = fit_supervised(_rows(cmp, known), labelled[known].astype(int), config)
        weights = {f"weight_{c.name}": np.where(cmp[f"g_{c.name}"] >= 0, tables[c.name][cmp[f"g_{c.name}"].clip(0)], 0.0)
                   for c in config.comparisons}  # fmt: skip
        evidence = _total(weights, len(cmp["l"]))
    else:
        m, sessions = estimate_m(comparison_patterns(cmp, config), config, u)
        weights = weights_by_comparison(cmp, config, m, u, _tf_records(records, config))
        evidence = _total(weights, len(cmp["l"]))
        prior = estimate_prior(evidence, n_total)
        base = float(np.log2(prior / (1 - prior)))
        params = Parameters(m=m, u=u, prior=prior, sessions=sessions)
    lap("scoring")
    match_weight = base + evidence
    probability = match_probability(match_weight)
    decision = decisions(probability, config.thresholds)
    left, right = cmp["l"], cmp["r"]
    veto = config.clustering.veto_probability
    labels, refused = guarded_clusters(
        len(rec), left, right, match_weight, decision == MATCH, config.clustering.min_average_weight,
        None if veto is None else float(np.log2(veto / (1 - veto))) if veto > 0 else None,
    )  # fmt: skip
    decision[refused] = REVIEW
    lap("clustering")

    members = rec[["source", "source_record_id"]].assign(cluster=labels)
    customer_ids, history = assign_customer_ids(members, previous_xref, run_id, at)
    history["run_id"] = run_id
    lap("identity")

    keep = np.ones(len(left), bool) if config.keep_non_match_pairs else decision != NON_MATCH
    pairs = _pairs_table(
        rec,
        _rows(cmp, keep),
        _rows(weights, keep),
        match_weight[keep],
        probability[keep],
        decision[keep],
        refused[keep],
        config,
    )
    xref = _xref(rec, labels, customer_ids, left, right, probability, decision, at)
    review = pairs[pairs["decision"] == "review"].reset_index(drop=True)
    summary = _summary(rec, stats, decision, refused, xref, history, params, n_total)
    summary["timings"] = timings
    return LinkageResult(
        xref=xref, pairs=pairs, review=review, history=history,
        summary=summary, parameters=params, timings=timings,
    )  # fmt: skip


def _pairs_table(rec, cmp, weights, match_weight, probability, decision, refused, config) -> pd.DataFrame:
    left, right = cmp["l"], cmp["r"]
    out = pd.DataFrame(
        {
            "source_l": rec["source"].to_numpy()[left],
            "id_l": rec["source_record_id"].to_numpy()[left],
            "source_r": rec["source"].to_numpy()[right],
            "id_r": rec["source_record_id"].to_numpy()[right],
            "match_weight": match_weight,
            "match_probability": probability,
            "decision": DECISIONS[decision],
        }
    )
    for c in config.comparisons:
        out[f"gamma_{c.name}"] = cmp[f"g_{c.name}"]
    for c in config.comparisons:
        out[f"weight_{c.name}"] = weights[f"weight_{c.name}"]
    names = [r.name for r in config.blocking.rules]
    masks, which = np.unique(cmp["rules"], return_inverse=True)
    labels = np.array(
        [",".join(n for k, n in enumerate(names) if v >> k & 1) for v in masks.tolist()], object
    )
    out["blocking_rules"] = labels[which]
    out["note"] = np.where(refused, "chaining guard: groups disagree on average", "")
    return out.sort_values("match_weight", ascending=False, kind="stable").reset_index(drop=True)


def _xref(rec, labels, customer_ids, left, right, probability, decision, at) -> pd.DataFrame:
    best = np.full(len(rec), np.nan)
    inside = (labels[left] == labels[right]) & (decision == MATCH)
    for side in (left, right):
        np.fmax.at(best, side[inside], probability[inside])
    sizes = np.bincount(labels)[labels]
    return pd.DataFrame(
        {
            "source": rec["source"].to_numpy(),
            "source_record_id": rec["source_record_id"].to_numpy(),
            "customer_id": customer_ids.to_numpy(),
            "cluster_size": sizes.astype("int64"),
            "match_probability": best,
            "linked_at": at,
        }
    )[XREF_COLUMNS]


def _summary(rec, stats, decision, refused, xref, history, params, n_total) -> dict:
    sizes = xref.groupby("customer_id").size()
    events = history["event"].value_counts().to_dict() if len(history) else {}
    size_distribution = sizes.value_counts().sort_index()
    return {
        "records": len(rec),
        "sources": int(rec["source"].nunique()),
        "candidate_pairs": stats.candidate_pairs,
        "pairs_by_rule": stats.pairs_by_rule,
        "new_pairs_by_rule": stats.new_pairs_by_rule,
        "skipped_block_keys": stats.skipped_keys_by_rule,
        "matches": int((decision == MATCH).sum()),
        "review": int((decision == REVIEW).sum()),
        "chaining_refusals": int(refused.sum()),
        "clusters": len(sizes),
        "multi_record_clusters": int((sizes > 1).sum()),
        "cluster_size_distribution": {int(k): int(v) for k, v in size_distribution.items()},
        "new_customers": int(events.get("created", 0) + events.get("split", 0)),
        "created": int(events.get("created", 0)),
        "merged": int(events.get("merged", 0)),
        "split": int(events.get("split", 0)),
        "retired": int(events.get("retired", 0)),
        "match_rate": float((xref["cluster_size"] > 1).mean()) if len(xref) else 0.0,
        "prior": params.prior if params else None,
        "total_pairs": n_total,
    }
