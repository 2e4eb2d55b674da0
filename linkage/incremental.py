"""Incremental nights: link only what changed against the existing customer file.

A full run (engine.link) fits the model and leaves a LinkageState: the parameters, the comparison-level mix
they were fitted on and a digest of every record. On a later night:

1. records whose digest is new or changed (and records that disappeared, e.g. erased) are the night's work;
   the affected set A is those records plus every record of the customers they belonged to;
2. only candidate pairs touching A are blocked (blocks keep their full size, so the block-size cap drops the
   same keys as a full run) and compared, then scored with the stored parameters;
3. a match from A to a record outside it pulls that record's whole customer into A; repeated until closed,
   so no match edge leaves A and every customer outside A is exactly what it was;
4. A alone is re-clustered (with the chaining guard) and given ids by overlap with its old customers, so
   ids stay stable and merges/splits go to id_history as in a full run.

Same parameters and same blocks give the same clusters as a full run. They can differ from a full rebuild
when a refit moves the parameters, when value frequencies (TF) shift, or when a block crosses its size cap:
the EM is refitted (a full run) every `incremental.refit_every_nights` nights, when the night's pairs drift
from the fitted level mix, or on demand (`customer360 run --full-refresh`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from linkage.blocking import BlockingStats, block
from linkage.compare import PairColumns, compare
from linkage.config import LinkageConfig
from linkage.encode import encode_records
from linkage.engine import (
    MATCH,
    REVIEW,
    LinkageResult,
    _pairs_table,
    _summary,
    _xref,
    cluster,
    complete_components,
    decide,
    stopwatch,
    stored_weights,
)
from linkage.identity import assign_customer_ids
from linkage.prepare import prepare_records
from linkage.score import total_pairs
from linkage.state import LinkageState, config_digest, digest_table, drift, level_shares

PAIR_KEYS = ["source_l", "id_l", "source_r", "id_r"]


@dataclass
class RefitNeeded:
    """The night cannot reuse the stored model: run the full path (engine.link) instead."""

    reason: str


def refit_reason(state: LinkageState | None, config: LinkageConfig, records: int = 0) -> str | None:
    """Why the stored parameters may not be reused before looking at the night's pairs (None: reuse)."""
    if state is None:
        return "no stored model (first run)"
    if config.scoring.method != "em":
        return f"scoring.method {config.scoring.method!r} is refitted every night"
    if state.config_digest != config_digest(config):
        return "config/linkage.yaml changed since the model was fitted"
    if state.nights_since_fit + 1 >= config.incremental.refit_every_nights:
        return f"scheduled refit (every {config.incremental.refit_every_nights} nights)"
    fitted = len(state.digests) if state.records_at_fit is None else state.records_at_fit
    if records > fitted * (1 + config.incremental.max_growth):
        return f"the file grew from {fitted} to {records} records since the model was fitted"
    return None


def _keys(source: pd.Series | np.ndarray, record_id: pd.Series | np.ndarray) -> pd.Index:
    return pd.Index(
        pd.Series(source, dtype=object).astype(str) + "\x1f" + pd.Series(record_id, dtype=object).astype(str)
    )


def link_incremental(
    persons: pd.DataFrame,
    config: LinkageConfig,
    state: LinkageState,
    previous_xref: pd.DataFrame,
    previous_pairs: pd.DataFrame | None,
    run_id: str = "",
) -> LinkageResult | RefitNeeded:
    """Link a night against the customer file of `previous_xref` with `state`'s parameters."""
    if reason := refit_reason(state, config, len(persons)):
        return RefitNeeded(reason)
    timings: dict[str, float] = {}
    lap = stopwatch(timings)
    at = pd.Timestamp.now(tz="UTC").tz_localize(None).floor("s")
    rec = prepare_records(persons)
    digests = digest_table(rec, config)
    keys = _keys(rec["source"], rec["source_record_id"])
    old_digest = pd.Series(
        state.digests["digest"].to_numpy(),
        index=_keys(state.digests["source"], state.digests["source_record_id"]),
    )
    before = old_digest.reindex(keys).to_numpy()
    changed = pd.isna(before) | (before != digests["digest"].to_numpy())
    prev_keys = _keys(previous_xref["source"], previous_xref["source_record_id"])
    prev_ids = pd.Series(previous_xref["customer_id"].astype(str).to_numpy(), index=prev_keys)
    gone = ~prev_keys.isin(keys)  # in the customer file, no longer among the person records
    lap("prepare")

    records = encode_records(rec, config.record_columns)
    n = len(rec)
    customer = prev_ids.reindex(keys).to_numpy(dtype=object)  # None/NaN for new records
    cust_code, cust_values = pd.factorize(pd.Series(customer, dtype=object))
    affected_ids = set(pd.Series(customer[changed]).dropna()) | set(prev_ids[gone])
    member = np.isin(cust_code, np.flatnonzero(pd.Index(cust_values).isin(affected_ids))) & (cust_code >= 0)
    inside = changed | member
    frontier = inside.copy()
    found: list[PairColumns] = []
    stats = BlockingStats()
    rounds = 0
    while rounds == 0 or frontier.any():  # one round even on a night with nothing new: empty pair columns
        rounds += 1
        candidates, night_stats = block(records, config, focus=frontier)
        if rounds == 1:
            stats = night_stats
        extra = {"l": candidates.left, "r": candidates.right, "rules": candidates.rules,
                 "first_rule": candidates.first_rule}  # fmt: skip
        cmp = compare(records, config, candidates.left, candidates.right, extra=extra)
        weights, match_weight = stored_weights(records, cmp, config, state.parameters)
        cmp.update(weights)
        cmp["match_weight"] = match_weight
        found.append(cmp)
        _, decision = decide(match_weight, config)
        reach = decision == MATCH
        outside = np.concatenate([candidates.left[reach], candidates.right[reach]])
        outside = outside[~inside[outside]]
        pulled = np.zeros(n, dtype=bool)
        pulled[outside] = True
        codes = np.unique(cust_code[outside])
        pulled |= np.isin(cust_code, codes[codes >= 0]) & (cust_code >= 0)
        frontier = pulled & ~inside
        inside |= frontier
    lap("blocking_compare")

    merged = _merge_rounds(found, n)
    both = inside[merged["l"]] & inside[merged["r"]]
    merged = {k: v[both] for k, v in merged.items()}
    weights = {k: merged.pop(k) for k in list(merged) if k.startswith("weight_")}
    pairs, weights, match_weight = complete_components(
        records, config, merged, weights, merged.pop("match_weight"),
        lambda p: stored_weights(records, p, config, state.parameters),
    )  # fmt: skip
    pairs = {**pairs, **weights, "match_weight": match_weight}
    _, night_decision = decide(pairs["match_weight"], config)
    matched = night_decision == MATCH
    distance, where = drift(state.level_shares, level_shares(pairs, config, matched))
    if int(matched.sum()) >= config.incremental.drift_min_pairs and distance > config.incremental.max_drift:
        return RefitNeeded(f"the night's pairs drift from the fitted model on {where} ({distance:.2f})")

    rids = np.flatnonzero(inside)
    local = np.full(n, -1, dtype=np.int64)
    local[rids] = np.arange(len(rids))
    left, right = local[pairs["l"]], local[pairs["r"]]
    probability, decision = decide(pairs["match_weight"], config)
    labels, refused = cluster(len(rids), left, right, pairs["match_weight"], decision, config)
    decision[refused] = REVIEW
    lap("clustering")

    sub = rec.iloc[rids].reset_index(drop=True)
    touched_ids = set(pd.Series(customer[inside], dtype=object).dropna()) | set(prev_ids[gone])
    touched = previous_xref[previous_xref["customer_id"].astype(str).isin(touched_ids)]
    customer_ids, history = assign_customer_ids(
        sub[["source", "source_record_id"]].assign(cluster=labels), touched, run_id, at
    )
    history["run_id"] = run_id
    sub_pairs = {**{k: v for k, v in pairs.items()}, "l": left, "r": right}
    night_xref = _xref(sub, labels, customer_ids, left, right, probability, decision, at)
    keep_old = ~prev_keys.isin(keys[inside]) & ~gone
    xref = pd.concat([previous_xref[keep_old], night_xref], ignore_index=True)
    xref = xref.sort_values(["source", "source_record_id"], kind="stable").reset_index(drop=True)
    lap("identity")

    keep = np.ones(len(left), bool) if config.keep_non_match_pairs else decision != 0
    weights = {k: v[keep] for k, v in sub_pairs.items() if k.startswith("weight_")}
    night_pairs = _pairs_table(
        sub, {k: v[keep] for k, v in sub_pairs.items()}, weights, pairs["match_weight"][keep],
        probability[keep], decision[keep], refused[keep], config,
    )  # fmt: skip
    all_pairs = _carry_pairs(previous_pairs, keys[inside], prev_keys[gone], night_pairs)
    review = all_pairs[all_pairs["decision"] == "review"].reset_index(drop=True)
    n_total = total_pairs(rec.groupby("source").size(), config.link_type == "link_only")
    summary = _summary(rec, stats, decision, refused, xref, history, state.parameters, n_total)
    summary.update(
        mode="incremental",
        new_or_changed_records=int(changed.sum()),
        removed_records=int(gone.sum()),
        relinked_records=int(inside.sum()),
        closure_rounds=rounds,
        drift=round(distance, 4),
        nights_since_fit=state.nights_since_fit + 1,
    )
    lap("outputs")
    summary["timings"] = timings
    new_state = LinkageState(
        parameters=state.parameters, level_shares=state.level_shares, digests=digests,
        nights_since_fit=state.nights_since_fit + 1, fitted_run_id=state.fitted_run_id,
        config_digest=state.config_digest, records_at_fit=state.records_at_fit,
    )  # fmt: skip
    return LinkageResult(
        xref=xref[list(night_xref.columns)], pairs=all_pairs, review=review, history=history,
        summary=summary, parameters=state.parameters, timings=timings, state=new_state,
    )  # fmt: skip


def _merge_rounds(found: list[PairColumns], n: int) -> PairColumns:
    """The pair columns of every closure round, each pair once (a pair may touch two rounds' frontiers)."""
    merged = {k: np.concatenate([f[k] for f in found]) for k in found[0]}
    key = merged["l"].astype(np.int64) * max(n, 1) + merged["r"]
    _, first = np.unique(key, return_index=True)
    first = np.sort(first)
    return {k: v[first] for k, v in merged.items()}


def _carry_pairs(
    previous: pd.DataFrame | None, relinked: pd.Index, removed: pd.Index, night: pd.DataFrame
) -> pd.DataFrame:
    """Last run's pairs between records outside the night's work, and the night's pairs."""
    if previous is None or previous.empty:
        return night
    drop = relinked.append(removed)
    left = _keys(previous["source_l"], previous["id_l"])
    right = _keys(previous["source_r"], previous["id_r"])
    kept = previous[~left.isin(drop) & ~right.isin(drop)]
    out = pd.concat([kept, night], ignore_index=True) if len(night) else kept
    return out.sort_values("match_weight", ascending=False, kind="stable").reset_index(drop=True)


__all__ = ["RefitNeeded", "link_incremental", "refit_reason"]
