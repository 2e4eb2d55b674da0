"""link(): person records → candidate pairs → comparison levels → scores → clusters → customer ids.

Records are integer-coded once (linkage/encode.py); every later step is array code over those codes and
the pair arrays (l, r), no per-pair Python.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa

from linkage import pair_store
from linkage.blocking import BlockingStats, CandidatePairs, block
from linkage.cluster import components, guard_weights, guarded_clusters, unscored_pairs
from linkage.compare import PairColumns, compare, tf_source
from linkage.config import LinkageConfig
from linkage.constraints import Constrained, annotate_pairs, constrain_clusters, record_key
from linkage.contact_points import (
    CONTACT_POINT_PROBABILITY,
    Attachments,
    PersonalValues,
    attach_lone_records,
    contradicting,
    identifiable,
    one_name_two_writings,
    personal_agreement,
    personal_values,
    unread_names_as_missing,
)
from linkage.contradictions import two_writings_only
from linkage.encode import EncodedRecords, encode_records, value_counts
from linkage.heap import trim_heap
from linkage.households import household_pairs, workplace_pairs
from linkage.identity import assign_customer_ids
from linkage.learn import Correction, apply_correction, fit_correction, pair_labels, steward_fingerprint
from linkage.namesakes import guard_view, namesake_readings, namesakes_by_levels
from linkage.pair_store import (
    NEGATIVE,
    PairStore,
    chunk_slices,
    compare_pairs,
    negative_weights,
    weigh_chunks,
)
from linkage.pair_table import OrderedPairs, record_index
from linkage.prepare import prepare_records
from linkage.references import (
    REFERENCE_WEIGHT,
    References,
    record_entities,
    resolve_references,
    with_references,
)
from linkage.score import (
    Parameters,
    estimate_m,
    estimate_prior,
    estimate_u,
    fit_supervised,
    total_pairs,
    weights_by_comparison,
)
from linkage.state import (
    LinkageState,
    config_digest,
    digest_table,
    fitted_rules,
    level_shares,
    linking_digest,
    term_frequencies,
)

DECISIONS = np.array(["non_match", "review", "match"], dtype=object)  # indexed by the int8 decision code
NON_MATCH, REVIEW, MATCH = 0, 1, 2
NAMESAKE_NOTE = "namesake: different e-mails or phones, nothing personal in common"
XREF_COLUMNS = ["source", "source_record_id", "customer_id", "cluster_size", "match_probability", "linked_at"]


@dataclass
class LinkageResult:
    xref: pd.DataFrame
    pairs: pd.DataFrame | pa.Table | OrderedPairs  # Arrow, in order: a night given last run's pairs as read
    review: pd.DataFrame | pa.Table
    history: pd.DataFrame
    summary: dict
    parameters: Parameters | None = None
    timings: dict[str, float] = field(default_factory=dict)
    state: LinkageState | None = None  # what an incremental night reuses (EM scoring only)


def _tf_records(records: EncodedRecords, config: LinkageConfig) -> dict[str, int]:
    """Records holding a value, per comparison (how far to trust its term frequencies)."""
    return {c.name: value_counts(records, tf_source(c))[1] for c in config.comparisons}


def stored_weights(
    records: EncodedRecords, cmp: PairColumns, config: LinkageConfig, params: Parameters
) -> tuple[PairColumns, np.ndarray]:
    """Per-comparison weights and the match weight (bits, prior included) of pairs under fitted parameters."""
    weights = weights_by_comparison(cmp, config, params.m, params.u, _tf_records(records, config))
    base = float(np.log2(params.prior / (1 - params.prior)))
    return weights, base + summed_weights(weights, len(cmp["l"]))


def complete_components(
    records: EncodedRecords,
    config: LinkageConfig,
    cmp: PairColumns,
    weights: PairColumns,
    match_weight: np.ndarray,
    score: Callable[[PairColumns], tuple[PairColumns, np.ndarray]],
    is_reference: np.ndarray,
) -> tuple[PairColumns, PairColumns, np.ndarray]:
    """The scored pairs plus every unscored pair inside a match component (cluster.unscored_pairs), scored
    the same way, so the chaining guard weighs all the evidence between the records it may join. A namesake
    pair (namesakes_by_levels) is no match edge and joins no component: the records it alone would join are never
    joined through it, and an incremental night need not re-link a customer a namesake of its records scores with.
    Takes the columns out of `cmp` and `weights` as it extends them (the caller reads the returned ones), so each
    column is held twice only while it is being extended."""
    _, decision = decide(match_weight, config)
    edges = decision == MATCH
    edges &= ~(namesakes_by_levels(cmp, config, np.zeros(len(edges), dtype=bool)) & ~is_reference)
    left, right = unscored_pairs(
        records.n, cmp["l"], cmp["r"], edges, config.clustering.complete_evidence_max_size
    )
    if not len(left):
        return cmp, weights, match_weight
    zeros = np.zeros(len(left), dtype=np.int64)
    extra = compare(records, config, left, right, extra={"l": left, "r": right, "rules": zeros,
                                                         "first_rule": zeros - 1})  # fmt: skip
    extra_weights, extra_match = score(extra)
    joined = {k: np.concatenate([cmp.pop(k), extra.pop(k)]) for k in list(cmp) if k in extra}
    joined_weights = {k: np.concatenate([weights.pop(k), extra_weights[k]]) for k in list(weights)}
    return joined, joined_weights, np.concatenate([match_weight, extra_match])


def with_frequencies(
    records: EncodedRecords, config: LinkageConfig, cmp: PairColumns, rows: np.ndarray
) -> PairColumns:
    """The pairs `rows` of `cmp` as `score` weighs them: with the frequency of each value they agree on. An
    incremental night's pair columns (and linkage/spark's) hold them, a full run's hold levels only (pair_store
    keeps the frequencies): there the pairs are compared again for them. Weighed from the levels alone, a full
    run scored a rare mobile two records share as an average one, and the night as the rare one it is."""
    pairs = {k: v[rows] for k, v in cmp.items()}
    if not any(k.startswith("tf_") for k in pairs):
        again = compare(records, config, pairs["l"], pairs["r"])
        pairs.update({k: v for k, v in again.items() if k.startswith("tf_")})
    return pairs


def decide(match_weight: np.ndarray, config: LinkageConfig) -> tuple[np.ndarray, np.ndarray]:
    """Match probability and decision code (NON_MATCH / REVIEW / MATCH) per pair."""
    probability = np.clip(match_weight, -1000, 1000)  # 1 / (1 + 2^-w), in place: no pair-sized temporaries
    np.negative(probability, out=probability)
    np.exp2(probability, out=probability)
    probability += 1.0
    np.divide(1.0, probability, out=probability)
    decision = (probability >= config.thresholds.review).astype(np.int8) + (
        probability >= config.thresholds.match
    )
    return probability, decision.astype(np.int8)


def cluster(
    n: int,
    left: np.ndarray,
    right: np.ndarray,
    match_weight: np.ndarray,
    decision: np.ndarray,
    config: LinkageConfig,
) -> tuple[np.ndarray, np.ndarray]:
    """Guarded clusters (label per record) and the match edges the chaining guard refused."""
    veto = config.clustering.veto_probability
    return guarded_clusters(
        n, left, right, match_weight, decision == MATCH, config.clustering.min_average_weight,
        None if veto is None else float(np.log2(veto / (1 - veto))) if veto > 0 else None,
    )  # fmt: skip


def _rows(columns: PairColumns, mask: np.ndarray) -> PairColumns:
    return {k: v[mask] for k, v in columns.items()}


def summed_weights(weights: PairColumns, n: int) -> np.ndarray:
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


def stopwatch(timings: dict[str, float]) -> Callable[[str], None]:
    """`lap(name)` records the seconds since the previous lap (or since now) under `name`."""
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 3)
        clock = now

    return lap


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


class RecordTable(NamedTuple):
    """The prepared records (rid order) and what the stages after scoring read about them."""

    rec: pd.DataFrame
    records: EncodedRecords
    stats: BlockingStats
    refs: References
    linkable: np.ndarray  # bool per record: identifiable, or a record that refers to another
    n_total: float  # record pairs the prior is a share of


class RunContext(NamedTuple):
    """What a run's output stages read beside the clusters: the stewards' decisions, last night's customer file,
    the run's id and time, its stage clock and the person records (the state's digest)."""

    decisions: pd.DataFrame | None
    previous_xref: pd.DataFrame | None
    run_id: str
    at: pd.Timestamp
    timings: dict[str, float]
    lap: Callable[[str], None]
    persons: pd.DataFrame


class ScoredPairs(NamedTuple):
    """The scored candidate pairs ((l, r) ascending; reference pairs included) and how to score more."""

    store: PairStore  # every pair's levels (linkage/pair_store.py)
    weigh: Callable[[PairColumns], PairColumns]  # pair columns → weight_<comparison>
    total: np.ndarray  # per pair, the sum of its weights (bits, no prior)
    negative: np.ndarray  # per pair, -1 where a weight is negative (int8)
    base: float  # log-odds of the prior (bits)
    score: Callable[[PairColumns], tuple[PairColumns, np.ndarray]]
    params: Parameters | None
    is_reference: np.ndarray
    ref_evidence: np.ndarray


@dataclass
class Candidates:
    pairs: CandidatePairs  # blocked pairs between linkable records, and the reference pairs
    stats: BlockingStats
    is_reference: np.ndarray  # per pair
    evidence: np.ndarray  # object per pair: the reference's evidence ('' elsewhere)


def find_candidates(
    records: EncodedRecords,
    config: LinkageConfig,
    refs: References,
    linkable: np.ndarray,
    focus: np.ndarray | None = None,
    done: np.ndarray | None = None,
) -> Candidates:
    """Candidate pairs: the blocking rules' (between linkable records) plus the reference pairs; with `focus`
    (bool per record) only the pairs touching a focus record (an incremental night), and with `done` (bool
    per record: an earlier closure round's focus, whose pairs it compared) none touching a done record."""
    candidates, stats = block(records, config, focus=focus, done=done)
    if focus is not None:
        near = focus[refs.left] | focus[refs.right]
        if done is not None:
            near &= ~done[refs.left] & ~done[refs.right]
        refs = References(refs.left[near], refs.right[near], refs.evidence[near], refs.unresolved)
    parts = _with_references_by_range(candidates, refs, linkable)
    del candidates  # before the parts are joined: the blocked pairs' arrays are as large as the result
    if len(parts) == 1:
        return Candidates(parts[0][0], stats, parts[0][1], parts[0][2])
    pairs = CandidatePairs(*(np.concatenate([getattr(p[0], name) for p in parts])
                             for name in ("left", "right", "rules", "first_rule")))  # fmt: skip
    return Candidates(
        pairs, stats, np.concatenate([p[1] for p in parts]), np.concatenate([p[2] for p in parts])
    )


def _with_references_by_range(
    candidates: CandidatePairs, refs: References, linkable: np.ndarray
) -> list[tuple[CandidatePairs, np.ndarray, np.ndarray]]:
    """with_references on consecutive ranges of left records, about CHUNK_PAIRS blocked pairs each, each
    range with the reference pairs whose lower record falls in it: the same pairs in the same (l, r) order,
    with the merge's temporaries (several arrays the size of the pairs) bounded by the range."""
    cuts = np.unique(candidates.left[pair_store.CHUNK_PAIRS :: pair_store.CHUNK_PAIRS])
    if not len(cuts):
        return [with_references(candidates, refs, linkable)]
    starts = np.r_[0, np.searchsorted(candidates.left, cuts), len(candidates.left)]
    ref_range = np.searchsorted(cuts, np.minimum(refs.left, refs.right), side="right")
    parts = []
    for i in range(len(starts) - 1):
        rows = slice(starts[i], starts[i + 1])
        part = CandidatePairs(candidates.left[rows], candidates.right[rows], candidates.rules[rows],
                              candidates.first_rule[rows])  # fmt: skip
        mine = ref_range == i
        part_refs = References(refs.left[mine], refs.right[mine], refs.evidence[mine], refs.unresolved)
        parts.append(with_references(part, part_refs, linkable))
    return parts


def stays_unlinked(linkable: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """A record with no usable identifier that nothing joined stays unlinked: no customer id, not a customer."""
    return ~linkable & (np.bincount(labels, minlength=len(labels))[labels] == 1)


def linkable_records(rec: pd.DataFrame, refs: References) -> np.ndarray:
    """Records that may be paired: an identifier of their own, or a reference to another record."""
    linkable = identifiable(rec)
    linkable[refs.left] = True
    return linkable


def household_guard(
    cmp: PairColumns, config: LinkageConfig, agree: np.ndarray, decision: np.ndarray, is_reference: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The match edges the household guard sends to review (`decision` changed in place): household pairs, the
    colleagues among them (linkage/households.py) included, and those colleagues."""
    matched = (decision == MATCH) & ~is_reference
    household = household_pairs(cmp, config, agree) & matched
    workplace = workplace_pairs(cmp, config, agree) & matched & ~household
    household |= workplace
    decision[household] = REVIEW
    return household, workplace


def guard_notes(
    n: int, namesake: np.ndarray | None, household: np.ndarray, workplace: np.ndarray | None
) -> np.ndarray:
    """The pairs' notes of the match edges the namesake reading and the household guard sent to review."""
    notes = np.full(n, "", dtype=object)
    if namesake is not None:
        notes[namesake] = NAMESAKE_NOTE
    notes[household] = "household guard: different given names, no personal identifier in common"
    if workplace is not None:
        notes[workplace] = (
            "household guard: a shared phone and company, different family names, no personal identifier"
        )
    return notes


@dataclass
class Clusters:
    """The scored pairs after every stage, with what each stage decided, and a cluster label per record."""

    cmp: PairColumns
    weights: PairColumns
    match_weight: np.ndarray
    probability: np.ndarray
    decision: np.ndarray
    labels: np.ndarray
    refused: np.ndarray  # match edges the chaining guard or a cannot-link refused
    household: np.ndarray
    via_contact: np.ndarray
    is_reference: np.ndarray
    evidence: np.ndarray
    steward: Constrained
    attached: Attachments
    namesake: np.ndarray | None = None  # match edges linkage/namesakes.py sent to review
    workplace: np.ndarray | None = None  # household guard pairs that are colleagues (linkage/households.py)

    def notes(self) -> np.ndarray:
        notes = guard_notes(len(self.decision), self.namesake, self.household, self.workplace)
        notes[self.refused] = "chaining guard: groups disagree on average"
        notes[self.via_contact] = "contact point: a personal e-mail or phone of one customer"
        notes[self.is_reference] = "reference: " + self.evidence[self.is_reference]
        return notes


def resolve_clusters(
    rec: pd.DataFrame,
    records: EncodedRecords,
    config: LinkageConfig,
    cmp: PairColumns,
    weights: PairColumns,
    match_weight: np.ndarray,
    score: Callable[[PairColumns], tuple[PairColumns, np.ndarray]],
    is_reference: np.ndarray,
    evidence: np.ndarray,
    keys: pd.Series,
    decisions: pd.DataFrame | None,
    personal: Callable[..., PersonalValues] = personal_values,
    mistyped: bool | Callable[..., tuple[np.ndarray, int]] = True,
) -> Clusters:
    """Scored candidate pairs → clusters: evidence completed inside match components, household guard,
    references, chaining guard, steward constraints, contact-point attachment. Runs on every record (a full
    run), on the pairs of a closed set of records (an incremental night): records without pairs stay alone,
    or on one connected component (linkage/spark/components.py: `personal` reads which values are personal
    from the whole file; `mistyped` attaches mistyped e-mails with the whole file's facts, linkage/spark/mistyped.py)."""
    cmp, weights, match_weight = complete_components(
        records, config, cmp, weights, match_weight, score, is_reference
    )
    probability, decision = decide(match_weight, config)
    # pairs complete_components appended are neither references nor carry their evidence
    extra = len(cmp["l"]) - len(is_reference)
    is_reference = np.concatenate([is_reference, np.zeros(extra, bool)])
    evidence = np.concatenate([evidence, np.full(extra, "", dtype=object)])
    agree = personal_agreement(records, cmp, config, personal(rec, records, cmp, config))
    unread = unread_names_as_missing(records, cmp, config, agree)
    rescored, match_weight[unread] = score(with_frequencies(records, config, cmp, unread))
    for k, column in weights.items():
        column[unread] = rescored[k]
    probability[unread], decision[unread] = decide(match_weight[unread], config)
    household, workplace = household_guard(cmp, config, agree, decision, is_reference)
    # linkage/namesakes.py: no match edge; read as two people by the guard only where the e-mails differ within
    # one kind (not a work mailbox beside a private one)
    namesake, two_people = namesake_readings(cmp, config, agree, records, rec)
    namesake &= ~is_reference
    # the match edges it takes: inside a match component, where linkage/spark notes them too
    demoted = namesake & (decision == MATCH)
    decision[demoted] = REVIEW
    match_weight[is_reference] = np.maximum(match_weight[is_reference], REFERENCE_WEIGHT)
    probability[is_reference], decision[is_reference] = 1.0, MATCH
    left, right = cmp["l"], cmp["r"]
    guard = guard_weights(match_weight, weights)
    # linkage/contradictions.py: inside a match component, one person's two writings are no contradiction
    labels = components(len(rec), left[decision == MATCH], right[decision == MATCH])
    among = np.flatnonzero((guard < 0) & (labels[left] == labels[right]))
    written_twice = among[two_writings_only(rec, records, cmp, config, score, among)]
    guard[written_twice] = 0.0
    guard = guard_view(guard, two_people & namesake)
    labels, refused = cluster(len(rec), left, right, guard, decision, config)
    steward = constrain_clusters(
        keys, labels, left, right, match_weight, (decision == MATCH) & ~refused, decisions
    )
    labels, refused = steward.labels, refused | steward.refused
    decision[refused] = REVIEW
    attached = attach_lone_records(
        rec, labels, cmp, agree, steward.cannot, contradicting(cmp, config), typos=mistyped,
        one_name=one_name_two_writings(records, cmp, config, agree),
    )  # fmt: skip
    labels, via_contact = attached.labels, attached.pairs
    decision[via_contact] = MATCH
    probability[via_contact] = np.maximum(probability[via_contact], CONTACT_POINT_PROBABILITY)
    match_weight[via_contact] = np.maximum(match_weight[via_contact], np.log2(99.0))
    return Clusters(cmp, weights, match_weight, probability, decision, labels, refused, household,
                    via_contact, is_reference, evidence, steward, attached, demoted, workplace)  # fmt: skip


@_gc_paused()
def link(
    persons: pd.DataFrame,
    config: LinkageConfig,
    previous_xref: pd.DataFrame | None = None,
    run_id: str = "",
    training_labels: pd.DataFrame | None = None,
    decisions: pd.DataFrame | None = None,
    references: dict[str, list[str]] | None = None,
    model: LinkageState | None = None,
) -> LinkageResult:
    """Link person records (docs/CONTRACTS.md) into customers.

    `previous_xref`: the last run's customer_xref, so existing customers keep their ids.
    `training_labels` (source, source_record_id, entity_id): ground truth for `scoring.method: supervised`.
    `decisions` (linkage/constraints.py): steward decisions: must-/cannot-links, and labels the weights learn from.
    `references`: source → the sources whose record ids its customer_ref holds (sources.yaml `references:`);
    other sources' references are detected (linkage/references.py).
    `model`: a stored EM model (parameters and term frequencies) to score with instead of fitting one: the
    clusters an incremental night (linkage/incremental.py) reproduces.
    """
    timings: dict[str, float] = {}
    lap = stopwatch(timings)
    at = pd.Timestamp.now(tz="UTC").tz_localize(None).floor("s")
    rec = prepare_records(persons)
    lap("prepare")
    records = encode_records(rec, config.record_columns)
    if model is not None and config.scoring.method == "em":
        records.value_counts.update(model.frozen_counts(records))
    # Deterministic pairs and records that must not be paired at all (new modules, small hooks here).
    refs = resolve_references(rec, record_entities(persons, rec), references)
    linkable = linkable_records(rec, refs)
    found = find_candidates(records, config, refs, linkable)
    stats = found.stats
    lap("blocking")
    trim_heap()  # blocking's per-rule and per-range temporaries (linkage/heap.py)
    store = compare_pairs(records, config, found.pairs)  # levels for every pair, in bounded chunks
    is_reference, ref_evidence = found.is_reference, found.evidence
    del found  # the blocked pairs' int64 rule columns: the store keeps compact copies
    trim_heap()  # and the chunks compare() made
    lap("compare")

    n_total = total_pairs(rec.groupby("source").size(), config.link_type == "link_only")
    params: Parameters | None = None
    total: np.ndarray | None = None  # per pair, the sum of its weights (when EM has just computed it)
    if config.scoring.method == "supervised":
        if training_labels is None:
            raise ValueError(
                "scoring.method is 'supervised': pass training_labels (source, source_record_id, entity_id)"
            )
        labelled = _labels_for_pairs(rec, {"l": store.left, "r": store.right}, training_labels)
        known = np.flatnonzero(~np.isnan(labelled))
        tables, base = fit_supervised(store.columns(known), labelled[known].astype(int), config)

        def weigh(pairs: PairColumns) -> PairColumns:
            return {f"weight_{c.name}": np.where(pairs[f"g_{c.name}"] >= 0, tables[c.name][pairs[f"g_{c.name}"].clip(0)], 0.0)
                    for c in config.comparisons}  # fmt: skip
    else:
        if model is not None:
            params = model.parameters
            m, u = params.m, params.u
        else:
            u = estimate_u(records, config)
            lap("u_sampling")
            m, sessions = estimate_m(store.patterns, config, u)
        tf_records = _tf_records(records, config)

        def weigh(pairs: PairColumns) -> PairColumns:
            return weights_by_comparison(pairs, config, m, u, tf_records)

        if params is None:
            total, negative = weigh_chunks(store, weigh)
            params = Parameters(m=m, u=u, prior=estimate_prior(total, n_total), sessions=sessions)
        base = float(np.log2(params.prior / (1 - params.prior)))

    def score(pairs: PairColumns) -> tuple[PairColumns, np.ndarray]:
        weights = weigh(pairs)
        return weights, base + summed_weights(weights, len(pairs["l"]))

    if total is None:
        total, negative = weigh_chunks(store, weigh)
    table = RecordTable(rec, records, stats, refs, linkable, n_total)
    scored = [ScoredPairs(store, weigh, total, negative, base, score, params, is_reference, ref_evidence)]
    # the pair-sized arrays live on in `scored` alone, which finish_link empties once it has clustered
    del store, total, negative, is_reference, ref_evidence
    run = RunContext(decisions, previous_xref, run_id, at, timings, lap, persons)
    return finish_link(table, scored, config, run, model)


def finish_link(
    table: RecordTable,
    scored: ScoredPairs | list[ScoredPairs],
    config: LinkageConfig,
    run: RunContext,
    model: LinkageState | None = None,
) -> LinkageResult:
    """Every stage after scoring, on the whole record table and its scored candidate pairs: the stewards'
    labels, then resolve_clusters (evidence completion, households, references, the chaining guard,
    constraints, contact points), ids, the output tables and the model state. The stages read each pair's
    levels, match weight and whether a weight contradicts (pair_store.NEGATIVE); the pairs the output keeps
    get their weights back at the end (kept_outcome). `scored` in a one-item list: finish_link takes it out, so
    the candidate pairs' arrays are freed before the output tables are built (the step's memory peak)."""
    rec, records = table.rec, table.records
    if isinstance(scored, list):
        scored = scored.pop()
    store, weigh, total, negative, base, score, params, is_reference, ref_evidence = scored
    del scored
    decisions, lap = run.decisions, run.lap
    decided = decisions is not None and len(decisions) > 0
    keys = record_key(rec["source"], rec["source_record_id"]) if decided else pd.Series([], dtype=str)
    correction, learned = _steward_correction(store, weigh, base, keys, decisions, config)
    if correction is not None:  # the stewards' labels moved the weights (linkage/learn.py)
        plain = weigh

        def corrected(pairs: PairColumns) -> PairColumns:
            return apply_correction(plain(pairs), pairs, correction, config)

        base = base + correction.intercept
        total, negative = weigh_chunks(store, corrected)
        weigh = corrected
    total += base  # the match weight (bits), in place: this array is one of the few the size of the pairs
    match_weight = total
    lap("scoring")

    def signs(pairs: PairColumns) -> tuple[PairColumns, np.ndarray]:
        weights, weight = score(pairs)
        return {NEGATIVE: -negative_weights(weights, len(weight)), **weights}, weight

    trim_heap()  # the scoring chunks, before the clustering stages' pair-sized arrays
    n_pairs = len(store)
    # resolve_clusters extends each of these into new arrays; held by it alone, the originals go meanwhile
    handed = {"cmp": store.hand_over(), "weights": {NEGATIVE: negative}, "match_weight": total,
              "is_reference": is_reference, "evidence": ref_evidence}  # fmt: skip
    del total, match_weight, negative, is_reference, ref_evidence
    c = resolve_clusters(rec, records, config, handed.pop("cmp"), handed.pop("weights"), handed.pop("match_weight"),
                         signs, handed.pop("is_reference"), handed.pop("evidence"), keys, decisions)  # fmt: skip
    store.take_back(c.cmp, n_pairs)
    lap("clustering")
    steward = {"must_links": len(c.steward.must), "cannot_links": len(c.steward.cannot),
               "conflicts": len(c.steward.conflicts)}  # fmt: skip
    kept = kept_outcome(c, store, weigh, score, records, config, steward)
    # Every candidate pair's arrays (the store, the clustering's columns) go before the output tables are
    # built: only the kept pairs (`kept`) are read from here on.
    del c, store
    trim_heap()
    return link_outputs(table, kept, config, run, params, learned, model)


def _steward_correction(
    store: PairStore,
    weigh: Callable[[PairColumns], PairColumns],
    base: float,
    keys: pd.Series,
    decisions: pd.DataFrame | None,
    config: LinkageConfig,
) -> tuple[Correction | None, dict]:
    """The correction the stewards' labelled candidate pairs ask for (linkage/learn.py), fitted on those
    pairs alone; their labels are looked up chunk by chunk."""
    labelled, y = [], []
    if decisions is not None and len(decisions):
        for rows in chunk_slices(len(store)):
            part = pair_labels(keys, store.left[rows], store.right[rows], decisions)
            known = np.flatnonzero(~np.isnan(part))
            labelled.append(known + rows.start)
            y.append(part[known])
    rows = np.concatenate(labelled) if labelled else np.empty(0, np.int64)
    pairs = store.columns(rows)
    return fit_correction(weigh(pairs), pairs, base, np.concatenate(y) if y else np.empty(0), config)


def kept_outcome(
    c: Clusters,
    store: PairStore,
    weigh: Callable[[PairColumns], PairColumns],
    score: Callable[[PairColumns], tuple[PairColumns, np.ndarray]],
    records: EncodedRecords,
    config: LinkageConfig,
    steward: dict[str, int],
) -> Outcome:
    """Outcome.of for clusters resolved on the store's level columns: the kept pairs' full columns and
    weights, recomputed (the candidate pairs' as scored, steward correction included; the pairs evidence
    completion added as it scored them: compared again, uncorrected)."""
    keep = np.ones(len(c.decision), bool) if config.keep_non_match_pairs else c.decision != NON_MATCH
    rows = np.flatnonzero(keep)
    blocked, added = rows[rows < len(store)], rows[rows >= len(store)]
    cmp = store.columns(blocked)
    weights = weigh(cmp)
    if len(added):
        left, right = c.cmp["l"][added], c.cmp["r"][added]
        zeros = np.zeros(len(added), dtype=np.int64)
        more = compare(records, config, left, right, extra={"l": left, "r": right, "rules": zeros,
                                                            "first_rule": zeros - 1})  # fmt: skip
        more_weights, _ = score(more)
        cmp = {k: np.concatenate([cmp[k], more[k]]) for k in cmp}
        weights = {k: np.concatenate([weights[k], more_weights[k]]) for k in weights}
    return Outcome(c.labels, cmp, weights, c.match_weight[keep], c.probability[keep], c.decision[keep],
                   c.notes()[keep], c.refused[keep], stage_counts(c), steward)  # fmt: skip


@dataclass
class Outcome:
    """What the output tables read after clustering: a cluster label per record and the pairs match_pairs
    keeps (every match and review pair; all pairs with keep_non_match_pairs), in the engine's pair order."""

    labels: np.ndarray
    cmp: PairColumns
    weights: PairColumns
    match_weight: np.ndarray
    probability: np.ndarray
    decision: np.ndarray
    notes: np.ndarray
    refused: np.ndarray
    counts: dict[str, int]  # stage_counts
    steward: dict[str, int]  # must_links, cannot_links, conflicts

    @classmethod
    def of(cls, c: Clusters, keep_all: bool, steward: dict[str, int]) -> Outcome:
        keep = np.ones(len(c.decision), bool) if keep_all else c.decision != NON_MATCH
        return cls(c.labels, _rows(c.cmp, keep), _rows(c.weights, keep), c.match_weight[keep],
                   c.probability[keep], c.decision[keep], c.notes()[keep], c.refused[keep], stage_counts(c),
                   steward)  # fmt: skip


def link_outputs(
    table: RecordTable,
    c: Outcome,
    config: LinkageConfig,
    run: RunContext,
    params: Parameters | None,
    learned: dict,
    model: LinkageState | None = None,
) -> LinkageResult:
    """Customer ids, the output tables, the run summary and the model state from the clusters (finish_link,
    and linkage/spark from its per-component results)."""
    rec, records, stats, refs, linkable, n_total = table
    decisions, previous_xref, run_id, at, timings, lap, persons = run
    unlinked = stays_unlinked(linkable, c.labels)
    members = rec[["source", "source_record_id"]].assign(cluster=c.labels)
    customer_ids, history = assign_customer_ids(members[~unlinked], previous_xref, run_id, at)
    customer_ids = customer_ids.reindex(members.index).astype(object).replace({np.nan: None})
    history["run_id"] = run_id
    lap("identity")

    left, right = c.cmp["l"], c.cmp["r"]
    pairs = _pairs_table(rec, c.cmp, c.weights, c.match_weight, c.probability, c.decision, c.notes, config)
    pairs = annotate_pairs(pairs, decisions)
    xref = _xref(rec, c.labels, customer_ids, left, right, c.probability, c.decision, at)
    keep_link_times(xref, previous_xref)
    review = pairs[pairs["decision"] == "review"].reset_index(drop=True)
    summary = _summary(rec, stats, c.decision, c.refused, xref, history, params, n_total)
    summary.update(unlinkable_records=int((~linkable).sum()), unlinked_records=int(unlinked.sum()),
                   unresolved_references=refs.unresolved, **c.counts)  # fmt: skip
    summary["timings"] = timings
    summary["steward"] = {**learned, **c.steward}
    state = None
    if params is not None:
        if model is not None:
            state = model.next_night(
                digest_table(persons),
                rec.drop(columns="rid"),
                steward_fingerprint(decisions),
                linking_digest(config),
                encoding=records,
            )
        else:
            frequencies, holders = term_frequencies(records, config)
            state = LinkageState(params, level_shares(c.cmp, config, c.decision == MATCH), digest_table(persons),
                                 fitted_run_id=run_id, config_digest=config_digest(config), records_at_fit=len(rec),
                                 frequencies=frequencies, holders=holders, records=rec.drop(columns="rid"),
                                 steward_labels=steward_fingerprint(decisions), linked_under=linking_digest(config),
                                 fitted_rules=fitted_rules(), encoding=records)  # fmt: skip
    return LinkageResult(
        xref=xref, pairs=pairs, review=review, history=history,
        summary=summary, parameters=params, timings=timings, state=state,
    )  # fmt: skip


def stage_counts(c: Clusters) -> dict[str, int]:
    """What the reference, contact-point and household stages did (the run summary)."""
    return {
        "reference_links": int(c.is_reference.sum()),
        "contact_point_attached": c.attached.attached,
        "contact_point_ambiguous": c.attached.ambiguous,
        "household_guard_pairs": int(c.household.sum()),
    }


def _pairs_table(rec, cmp, weights, match_weight, probability, decision, notes, config) -> pd.DataFrame:
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
    out["note"] = notes
    return out.sort_values("match_weight", ascending=False, kind="stable", ignore_index=True)


def _xref(rec, labels, customer_ids, left, right, probability, decision, at, rows=None) -> pd.DataFrame:
    """The xref rows of the records (of `rows`, bool per record, only: an incremental night's)."""
    best = np.full(len(rec), np.nan)
    inside = (labels[left] == labels[right]) & (decision == MATCH)
    for side in (left, right):
        np.fmax.at(best, side[inside], probability[inside])
    sizes = np.bincount(labels)[labels]
    rows = slice(None) if rows is None else rows
    return pd.DataFrame(
        {
            "source": rec["source"].to_numpy()[rows],
            "source_record_id": rec["source_record_id"].to_numpy()[rows],
            "customer_id": customer_ids.to_numpy()[rows],
            "cluster_size": sizes.astype("int64")[rows],
            "match_probability": best[rows],
            "linked_at": at,
        }
    )[XREF_COLUMNS]


def keep_link_times(
    xref: pd.DataFrame, previous: pd.DataFrame | None, rows: np.ndarray | None = None
) -> None:
    """`linked_at` (in place) of the records whose customer id and match probability are the previous run's: the
    time the id was assigned, not this run's. A night re-links whole customers around its new records, most of
    them as they were; their rows are unchanged, so the marts rebuild only the customers a run changed
    (int_records_moved). `rows`: each xref row's row in `previous` (-1: none), else looked up by key."""
    if previous is None or not len(previous) or not len(xref):
        return
    if not {"customer_id", "match_probability", "linked_at"} <= set(previous.columns):  # an older file's
        return
    if rows is None:
        keys = record_index(previous["source"], previous["source_record_id"])
        rows = keys.get_indexer(record_index(xref["source"], xref["source_record_id"]))
    known = np.flatnonzero(rows >= 0)
    was = rows[known]
    same = (
        previous["customer_id"].to_numpy(dtype=object)[was]
        == xref["customer_id"].to_numpy(dtype=object)[known]
    )
    before = previous["match_probability"].to_numpy(dtype=float)[was]
    now = xref["match_probability"].to_numpy(dtype=float)[known]
    same &= (before == now) | (np.isnan(before) & np.isnan(now))
    times = xref["linked_at"].to_numpy().copy()
    times[known[same]] = previous["linked_at"].to_numpy(dtype=times.dtype)[was[same]]
    xref["linked_at"] = times


def customer_sizes(xref: pd.DataFrame) -> pd.Series:
    """Records per customer id (unlinked records, with none, left out), in no order: counted without sorting
    the file's ids as a groupby does."""
    return xref["customer_id"].value_counts(sort=False)


def _summary(rec, stats, decision, refused, xref, history, params, n_total, sizes=None) -> dict:
    """The run's figures; `sizes`: the customers' record counts (in any order, any index) when the caller
    counted them otherwise than customer_sizes(xref) (an incremental night: by last night's codes)."""
    sizes = customer_sizes(xref) if sizes is None else sizes
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
