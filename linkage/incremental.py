"""Incremental nights: link only what changed against the existing customer file.

A full run (engine.link) fits the model and leaves a LinkageState: the parameters, the term frequencies and
the comparison-level mix they were fitted on, and a digest of every record. On a later night:

1. records whose digest is new or changed (and records that disappeared, e.g. erased) are the night's work;
   the affected set A is those records plus every record of the customers they belonged to, and every record a
   steward decision names (with its customer), and every holder of an e-mail/phone whose number of holders the
   night moved across MAX_HOLDERS (personal on one side, no one's on the other);
2. only candidate pairs touching A are blocked (blocks keep their full size, so the block-size cap drops the
   same keys as a full run), with the reference pairs touching A, compared and scored with the stored model;
3. whatever can join a record of A to a record outside it pulls that record's whole customer into A: a match,
   a reference, or a shared e-mail/phone few enough records hold to be someone's personal value (its holders
   decide whether it is personal, and which customer an evidence-only record holding it belongs to), or a
   mailbox a lone record of A mistypes, or a lone record outside A that mistypes (or holds) a mailbox of A
   (contact_points.TypoOwners, LoneMailboxes: no pair joins them); a round compares
   only the pairs no earlier round compared; repeated until closed, so no stage's decision crosses A's border
   and every customer outside A is exactly what a full run gives;
4. A alone goes through the full run's stages (engine.resolve_clusters: evidence completion, household guard,
   references, chaining guard, steward constraints, contact-point attachment) and is given ids by overlap with
   its old customers (engine's identity), so ids stay stable and merges/splits go to id_history.

The stored model includes the term frequencies, so a pair scores the same on every night until the next
refit, and a full run with the stored model (engine.link(model=...), `customer360 run --full-refresh`) gives
the same customer ids. The model is refitted (a full run) every `incremental.refit_every_nights` nights, when
the file grew by more than `max_growth`, when the night's matches drift from the fitted level mix, when
linkage.yaml changed, or on demand (`--refit`); steward labels numerous enough to correct the weights
(linkage/learn.py) correct the night's weights as a full run's; a night whose labels changed them is a full run
with the stored model (the correction moves every pair of the file).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
import pyarrow as pa

from linkage.arrow_columns import as_objects
from linkage.blocking import block_cache_key, rule_keys, sorted_blocks
from linkage.compare import PairColumns, compare
from linkage.config import LinkageConfig
from linkage.constraints import annotate_pairs, latest_decisions
from linkage.contact_points import (
    MAX_HOLDERS,
    NAME_COMPANIONS,
    LoneMailboxes,
    TypoOwners,
    attach_mistyped_records,
    personal_agreement,
    personal_values,
    shared_in_pairs,
    top_level,
)
from linkage.cores import usable_cores
from linkage.encode import (
    EncodedRecords,
    ListColumn,
    encode_records,
    holder_counts,
    isin,
    ranges,
    sorted_unique,
)
from linkage.engine import (
    MATCH,
    NON_MATCH,
    REVIEW,
    LinkageResult,
    _pairs_table,
    _summary,
    _xref,
    decide,
    find_candidates,
    guard_notes,
    household_guard,
    keep_link_times,
    linkable_records,
    resolve_clusters,
    stage_counts,
    stays_unlinked,
    stopwatch,
    stored_weights,
    summed_weights,
)
from linkage.identity import assign_customer_ids
from linkage.learn import Correction, apply_correction, fit_correction, pair_labels, steward_fingerprint
from linkage.namesakes import namesake_pairs, namesakes_by_levels
from linkage.pair_table import OrderedPairs, carried_table, reference_rows, review_rows, rows_of
from linkage.pair_table import holding as _holding
from linkage.pair_table import record_index as _keys
from linkage.prepare import (
    merged_with_origin,
    ordered_with_order,
    prepare_columns,
    prepare_records,
)
from linkage.references import References, record_entities, resolve_references
from linkage.score import total_pairs
from linkage.state import (
    LinkageState,
    config_digest,
    digest_table,
    drift,
    fitted_rules,
    level_counts,
    linking_digest,
)
from linkage.stored_encoding import extended_encoding

PAIR_KEYS = ["source_l", "id_l", "source_r", "id_r"]
# threads a closure round's pairs are compared in (compare.PARALLEL_PAIRS): the cores this process may use
COMPARE_WORKERS = max(1, min(usable_cores(), 4))
# a closure round's pair columns also hold each pair's weights (WEIGHT_OF + comparison) and match weight
WEIGHT_OF, MATCH_WEIGHT = "weight:", "match_weight"


@dataclass
class RefitNeeded:
    """The night cannot be linked incrementally: run the full path (engine.link) instead, refitting the model
    (`refit`) or with the stored one."""

    reason: str
    refit: bool = True


def refit_reason(state: LinkageState | None, config: LinkageConfig, records: int = 0) -> str | None:
    """Why the stored parameters may not be reused before looking at the night's pairs (None: reuse)."""
    if state is None:
        return "no stored model (first run)"
    if config.scoring.method != "em":
        return f"scoring.method {config.scoring.method!r} is refitted every night"
    if state.config_digest != config_digest(config):
        return "config/linkage.yaml changed since the model was fitted"
    if state.fitted_rules != fitted_rules():
        return (
            f"customer360's standardisation or preparation rules changed ({state.fitted_rules or 'unversioned'}"
            f" → {fitted_rules()}): every record is prepared again and the model refitted"
        )
    if state.frequencies is None:
        return "the stored model has no term frequencies (written by an older version)"
    if state.nights_since_fit + 1 >= config.incremental.refit_every_nights:
        return f"scheduled refit (every {config.incremental.refit_every_nights} nights)"
    fitted = len(state.digests) if state.records_at_fit is None else state.records_at_fit
    if records > fitted * (1 + config.incremental.max_growth):
        return f"the file grew from {fitted} to {records} records since the model was fitted"
    return None


def _whole_customers(rows: np.ndarray, cust_code: np.ndarray) -> np.ndarray:
    """Records `rows` (bool per record) and every record of the customers they belong to."""
    return rows | _of_customers(cust_code, cust_code[rows])


def _of_customers(cust_code: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Records (or customer-file rows) whose customer code is one of `codes` (-1, no customer: none)."""
    chosen = np.zeros(int(cust_code.max(initial=-1)) + 2, dtype=bool)  # the last: code -1, never chosen
    chosen[codes[codes >= 0]] = True
    return chosen[cust_code]


def _reaching(
    records: EncodedRecords, config: LinkageConfig, cmp: PairColumns, match: np.ndarray
) -> np.ndarray:
    """Pairs through which a stage may join or affect the two records' customers: a match (references
    included), a shared e-mail or phone held by at most MAX_HOLDERS records (it may be personal: the contact-
    point and household stages read it), the same WeChat id."""
    reach = match | top_level(cmp, config, "exact", "wechat_id")
    for column in ("emails", "phones"):
        if column in records.lists:
            holders = holder_counts(records, column)
            pair, code = shared_in_pairs(records, cmp, config, column)
            reach[pair[holders[code] <= MAX_HOLDERS]] = True
    return reach


def blocks_crossing_cap(
    joint: EncodedRecords,
    n: int,
    config: LinkageConfig,
    changed: np.ndarray,
    records: EncodedRecords | None = None,
) -> np.ndarray:
    """Records (of the first `n` of `joint`: the night's records, then the stored rows of the records that
    changed or left) of the blocks the night moved across their size cap, either way: a full run pairs them
    differently on that key now, so their customers are linked again. `records` (the first `n` of `joint`):
    their blocks are kept in its cache for the closure rounds (blocking.block), not keyed again."""
    out = np.zeros(n, dtype=bool)
    for rule in config.blocking.rules:
        rids, keys = rule_keys(joint, rule.columns)
        cap = rule.max_block_size or config.blocking.max_block_size
        entries = sorted_unique(keys * joint.n + rids)
        keys, rids = entries // joint.n, entries % joint.n
        now = rids < n
        keys_now, rids_now = keys[now], rids[now]
        if records is not None:  # the blocks of the records (sorted by key then record already)
            records.cache[block_cache_key(rule, cap)] = sorted_blocks(rids_now, keys_now, cap)
        # only a block a changed record is in, or one a stored row of a changed or removed record was in, may
        # have moved: those few keys are counted, not every block of the file
        mine = changed[rids_now]
        touched = sorted_unique(np.r_[keys_now[mine], keys[~now]])
        if not len(touched):
            continue
        first, end = np.searchsorted(keys_now, touched, "left"), np.searchsorted(keys_now, touched, "right")
        size = end - first
        moved = np.bincount(np.searchsorted(touched, keys_now[mine]), minlength=len(touched))
        before = size - moved + np.bincount(np.searchsorted(touched, keys[~now]), minlength=len(touched))
        crossed = (size > cap) != (before > cap)
        out[rids_now[ranges(first[crossed], size[crossed])]] = True
    return out


def _crossing_caps(
    joint: EncodedRecords,
    records: EncodedRecords,
    config: LinkageConfig,
    changed: np.ndarray,
    old_rows: pd.DataFrame,
) -> np.ndarray:
    """Records a night's changes reach through the caps (`records`: the first records.n of `joint`): of the
    blocks it moved across their size cap, holding a value a changed record gave up that is someone's now,
    or a value whose holders it moved across MAX_HOLDERS (personal now, or no longer)."""
    n = records.n
    return (
        blocks_crossing_cap(joint, n, config, changed, records)
        | holders_of(records, joint, old_rows)
        | holders_crossing_cap(joint, n, changed)
    )


def holders_crossing_cap(joint: EncodedRecords, n: int, changed: np.ndarray) -> np.ndarray:
    """Records (of the first `n` of `joint`, as blocks_crossing_cap) holding an e-mail or phone whose number
    of holders the night moved across MAX_HOLDERS, either way: a full run judges the value personal (or no
    one's) differently now, e.g. an evidence-only record attached by it stays on its own, and a pair sharing a
    value held by more than MAX_HOLDERS reaches no one in the closure, so its holders are linked again."""
    out = np.zeros(n, dtype=bool)
    size = len(joint.vocab)
    for column in ("emails", "phones"):
        if column not in joint.lists:
            continue
        col = joint.lists[column]
        rids = col.rids()
        now = rids < n
        was = ~now  # the stored rows of the records that changed or left, then the unchanged records
        was[now] = ~changed[rids[now]]
        held_now = np.bincount(col.codes[now], minlength=size)
        held_before = np.bincount(col.codes[was], minlength=size)
        crossed = (held_now > MAX_HOLDERS) != (held_before > MAX_HOLDERS)
        out[rids[now][crossed[col.codes[now]]]] = True
    return out


def _lost_references(
    previous: pd.DataFrame | pa.Table | None, refs: References, rec: pd.DataFrame
) -> np.ndarray:
    """Records of last night's reference pairs that are no references now (a source no longer detected as
    referring): what joined them is gone."""
    out = np.zeros(len(rec), dtype=bool)
    if previous is None or not len(previous) or "note" not in _columns(previous):
        return out
    was = reference_rows(previous)
    ends = _keys(was["source_l"], was["id_l"]).append(_keys(was["source_r"], was["id_r"]))
    left, right = np.split(rows_of(rec["source"].to_numpy(), rec["source_record_id"].to_numpy(), ends), 2)
    n = max(len(rec), 1)
    now = np.minimum(refs.left, refs.right).astype(np.int64) * n + np.maximum(refs.left, refs.right)
    pair = np.minimum(left, right).astype(np.int64) * n + np.maximum(left, right)
    lost = (left < 0) | (right < 0) | ~isin(pair, now)
    for side in (left, right):
        out[side[lost & (side >= 0)]] = True
    return out


def _head(records: EncodedRecords, n: int) -> EncodedRecords:
    """The first `n` records of an encoding (same vocabulary)."""
    lists = {
        c: ListColumn(col.offsets[: n + 1], col.codes[: col.offsets[n]]) for c, col in records.lists.items()
    }
    scalars = {c: codes[:n] for c, codes in records.scalars.items()}
    return EncodedRecords(n, records.source[:n], records.vocab, scalars, lists)


# The prepared-record columns a night reads of every stored record as Python objects: the keys, what makes a
# record identifiable (linkage/contact_points.py: a name and its companions, a WeChat id; the phones only by
# their lists' lengths) and the e-mails attach_mistyped_records reads. The state's other columns are read back
# Arrow-backed (linkage/arrow_columns.py): the stored encoding holds what blocking and comparisons read, and a
# record's row is written back as it was.
READ_OF_EVERY_RECORD = (
    "source", "source_record_id", "emails", "wechat_id", "family_key", "given_key", *NAME_COMPANIONS,
)  # fmt: skip


def _prepare_night(
    persons: pd.DataFrame,
    new_keys: pd.Index,
    unchanged_keys: pd.Index | None,
    night_rows: np.ndarray,
    stored: pd.DataFrame | None,
) -> tuple[pd.DataFrame, pd.DataFrame, NightRows | None]:
    """The night's record table, preparing only the new and changed person records (`night_rows` of
    `persons`, keyed `new_keys`): the others are the stored prepared rows; the stored rows of the records that
    changed or left (what they held before); and where the table's rows and those come from (None without
    stored rows). `unchanged_keys`: the other person records' keys; None when every stored record is still
    there (a night that read only its own records, with_stored_digests): only the night's are looked up among
    the stored ones, and the stored rows (in record order) are not sorted again."""
    if stored is None:
        return prepare_records(persons), pd.DataFrame(columns=["source", "source_record_id"]), None
    prepared = prepare_columns(persons[night_rows])
    if unchanged_keys is None:
        same = ~_holding(stored["source"].to_numpy(), stored["source_record_id"].to_numpy(), new_keys)
        table, origin = merged_with_origin(stored, prepared, keep=same)
    else:
        stored_key = _keys(stored["source"], stored["source_record_id"])
        same = stored_key.isin(unchanged_keys)
        table, order = ordered_with_order(pd.concat([as_objects(stored[same]), prepared], ignore_index=True))
        origin = np.r_[np.flatnonzero(same), len(stored) + np.arange(len(prepared))][order]
    left = np.flatnonzero(~same)
    return table, stored.iloc[left].reset_index(drop=True), NightRows(prepared, np.r_[origin, left])


@dataclass
class NightRows:
    """The night's prepared rows, and where each row of its record table then the stored rows of the records
    that changed or left comes from: i < len(stored) the stored row i, len(stored) + j the night's row j."""

    prepared: pd.DataFrame
    origin: np.ndarray


def _encoded(
    rec: pd.DataFrame,
    old_rows: pd.DataFrame,
    state: LinkageState,
    night: NightRows | None,
    config: LinkageConfig,
) -> EncodedRecords:
    """The record table then the stored rows of the changed records encoded: the stored encoding extended with
    the night's rows when the state has one for its records (stored_encoding.py), else every row encoded."""
    stored = state.encoding
    if (
        night is not None
        and stored is not None
        and state.records is not None
        and stored.n == len(state.records)
    ):
        joint = extended_encoding(stored, night.prepared, night.origin, config.record_columns)
        if joint is not None:
            return joint
    return encode_records(as_objects(rec), config.record_columns, then=as_objects(old_rows))


def _record_keys(rec: pd.DataFrame, rows: np.ndarray | slice = slice(None)) -> pd.Index:
    """The record keys of `rec`'s rows `rows` (every row's: only where a decision may name any record)."""
    return _keys(rec["source"].to_numpy()[rows], rec["source_record_id"].to_numpy()[rows])


def _previous_rows(
    previous_xref: pd.DataFrame, rec: pd.DataFrame, stored: pd.DataFrame | None, night: NightRows | None
) -> np.ndarray:
    """Each record's row in the customer file (-1: none). The customer file is last night's record table
    in its order (_night_xref), as the stored records are: when they hold the same records in the same
    order, a stored row's is its own row and only the night's rows are looked up; else every key is."""
    if night is not None and stored is not None and _same_records(previous_xref, stored):
        origin = night.origin[: len(rec)]
        out = np.where(origin < len(stored), origin, -1)
        fresh = np.flatnonzero(origin >= len(stored))
        source, ids = previous_xref["source"].to_numpy(), previous_xref["source_record_id"].to_numpy()
        out[fresh] = rows_of(source, ids, _record_keys(rec, fresh))
        return out
    return _keys(previous_xref["source"], previous_xref["source_record_id"]).get_indexer(_record_keys(rec))


def _same_records(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    """Whether two tables hold the same (source, record id) rows in the same order."""
    return len(a) == len(b) and all(
        np.array_equal(a[c].to_numpy(dtype=object), b[c].to_numpy(dtype=object))
        for c in ("source", "source_record_id")
    )


def _entity_by_source(digests: pd.DataFrame) -> pd.Series | None:
    """source → entity when every record of a source is of the same entity (each source delivers one kind
    of record), else None."""
    sources, names = pd.factorize(digests["source"].to_numpy(dtype=object))
    entities, kinds = pd.factorize(digests["entity"].astype(str).to_numpy())
    if (sources < 0).any() or not len(names):
        return None
    one = np.zeros(len(names), dtype=np.int64)
    one[sources] = entities  # an entity of each source's records: each source's only one, or no answer
    if not (one[sources] == entities).all():
        return None
    return pd.Series(np.asarray(kinds, dtype=object)[one], index=names)


def _entities(digests: pd.DataFrame, rec: pd.DataFrame) -> pd.Series:
    """references.record_entities for a night's record table `rec` (every one of its records has a digest
    row) from every record's digest row."""
    if "entity" not in digests:
        return pd.Series("contact", index=rec.index)
    by_source = _entity_by_source(digests)
    if by_source is not None:  # each source's records are of one entity: read by source, no key looked up
        return pd.Series(rec["source"].map(by_source).to_numpy(), index=rec.index).fillna("contact")
    person_key = _keys(digests["source"], digests["source_record_id"])  # every record's: looked up one by one
    lookup = pd.Series(digests["entity"].astype(str).to_numpy(), index=person_key)
    lookup = lookup[~lookup.index.duplicated()]
    return pd.Series(lookup.reindex(_record_keys(rec)).to_numpy(), index=rec.index).fillna("contact")


def _night_xref(
    previous: pd.DataFrame, previous_row: np.ndarray, night: pd.DataFrame, inside: np.ndarray
) -> pd.DataFrame:
    """The customer file in record order (the record table's: by source, then record id): the night's rows
    for the records it linked again (`inside`), last night's (`previous_row` of each record, -1 for none)
    for the others; records that left are in neither. The record table is sorted already, so the file's
    rows are put in its order instead of sorting every row by their strings."""
    kept = ~inside & (previous_row >= 0)
    at = np.concatenate([np.flatnonzero(kept), np.flatnonzero(inside)])
    order = np.argsort(at, kind="stable")
    if list(previous.columns) != list(night.columns):  # aligned as pandas concat aligns them
        xref = pd.concat([previous.iloc[previous_row[kept]], night], ignore_index=True)
        return xref.take(order).reset_index(drop=True)
    return _interleaved(previous, previous_row[kept], night, order)


def _interleaved(
    previous: pd.DataFrame, rows: np.ndarray, night: pd.DataFrame, order: np.ndarray, handed: bool = False
) -> pd.DataFrame:
    """pd.concat([previous.iloc[rows], night]).take(order) with a fresh index (same columns in the same
    order), built a column at a time: each column gathered once from both (not taken, joined, then sorted:
    three copies of the file's columns). `handed`: `previous`' columns are dropped as they are read."""
    carried = order < len(rows)  # each output row's: the previous row rows[order], or the night's
    at_previous, at_night = rows[order[carried]], order[~carried] - len(rows)
    out = pd.DataFrame(index=pd.RangeIndex(len(order)))
    for name in previous.columns:  # added one by one: a frame built from a dict of columns copies every
        column = previous[name]  # number column once more into one block
        if isinstance(column.dtype, np.dtype) and (not len(night) or night[name].dtype == column.dtype):
            values = np.empty(len(order), dtype=column.dtype)
            values[carried] = column.to_numpy()[at_previous]
            values[~carried] = night[name].to_numpy()[at_night] if len(night) else values[:0]
            out[name] = values
        else:  # types that differ: joined as pandas joins them
            parts = [column.iloc[rows], night[name]] if len(night) else [column.iloc[rows]]
            out[name] = pd.concat(parts, ignore_index=True).take(order).to_numpy()
        if handed:
            del previous[name]
    return out


def counted_sizes(
    previous_ids: pd.Series,
    file_code: np.ndarray,
    file_ids: pd.Index | np.ndarray,
    carried: np.ndarray,
    night_ids: pd.Series,
) -> pd.Series:
    """engine.customer_sizes of the night's customer file (last night's rows `carried`, then the night's
    rows, whose ids are `night_ids`) as counts in no order: last night's rows counted by their customer's code
    (`file_code` into `file_ids`, pd.factorize of `previous_ids` as strings), only the night's ids looked up,
    not every id of the file hashed again. Missing ids (unlinked records) are left out."""
    missing = previous_ids.isna().to_numpy()
    counts = np.bincount(file_code[carried[~missing[carried]]], minlength=len(file_ids))
    night = night_ids.value_counts(sort=False)
    at = pd.Index(file_ids).get_indexer(night.index)
    known = at >= 0
    np.add.at(counts, at[known], night.to_numpy()[known])
    return pd.Series(np.r_[counts[counts > 0], night.to_numpy()[~known]], dtype=np.int64)


def with_stored_digests(
    state: LinkageState, night: pd.DataFrame
) -> tuple[pd.DataFrame, pd.Index, np.ndarray]:
    """Every record's digest when `night` holds only the records a night delivered: the stored digests of the
    others, then the night's (last, in their order); the keys of the new and changed records (the night's
    whose digest is not the stored one); and which rows those are. Only the night's records are looked up
    among the stored ones, and no key is built for the others (~540k strings at 150k customers)."""
    stored = state.digests
    night_key = _keys(night["source"], night["source_record_id"])
    again = _holding(stored["source"].to_numpy(), stored["source_record_id"].to_numpy(), night_key)
    kept = stored[~again]
    digests = pd.concat([kept, night], ignore_index=True)
    was = pd.Series(
        stored["digest"].to_numpy()[again],
        index=_keys(stored["source"][again], stored["source_record_id"][again]),
    )
    before = was[~was.index.duplicated()].reindex(night_key).to_numpy()
    new = pd.isna(before) | (before != night["digest"].to_numpy())
    new_rows = np.zeros(len(digests), dtype=bool)
    new_rows[len(kept) :] = new
    return digests, night_key[new], new_rows


def holders_of(records: EncodedRecords, joint: EncodedRecords, rows: pd.DataFrame) -> np.ndarray:
    """Records holding an e-mail or phone of `rows` (prepared rows encoded in `joint` after `records`, e.g.
    what changed records held before) that at most MAX_HOLDERS records hold now: their codes are read from
    the encoding, not looked up by string."""
    out = np.zeros(records.n, dtype=bool)
    for column in ("emails", "phones"):
        if column not in records.lists or column not in rows or not len(rows):
            continue
        theirs = joint.lists[column]
        codes = sorted_unique(theirs.codes[theirs.offsets[records.n] :])
        col = records.lists[column]
        wanted = np.zeros(len(records.vocab), dtype=bool)
        wanted[codes[holder_counts(records, column)[codes] <= MAX_HOLDERS]] = True
        out[col.rids()[wanted[col.codes]]] = True
    return out


def link_incremental(
    persons: pd.DataFrame,
    config: LinkageConfig,
    state: LinkageState,
    previous_xref: pd.DataFrame,
    previous_pairs: pd.DataFrame | pa.Table | OrderedPairs | list[pd.DataFrame | pa.Table | None] | None,
    run_id: str = "",
    decisions: pd.DataFrame | None = None,
    references: dict[str, list[str]] | None = None,
    night_only: bool = False,
) -> LinkageResult | RefitNeeded:
    """Link a night against the customer file of `previous_xref` with `state`'s model; `decisions` and
    `references` as engine.link takes them. `night_only`: `persons` holds only the records the night
    delivered (linkage/night_records.py); every other record of the state is unchanged and kept as stored.
    `previous_pairs` in a one-item list is handed over: link_incremental takes it out and drops its columns as
    the night's pairs table replaces them (the step's memory peak). Last run's pairs as an Arrow table: the
    result's pairs are too, in order but not gathered (OrderedPairs), and its review queue an Arrow table,
    unless pandas would join them otherwise."""
    handed = isinstance(previous_pairs, list)
    if isinstance(previous_pairs, list):
        previous_pairs = previous_pairs.pop()
    if isinstance(previous_pairs, OrderedPairs):  # a night's result linked on in memory (bench, tests)
        previous_pairs = previous_pairs.to_table()
    digests = digest_table(persons)
    unchanged_keys = None  # the keys of the records the night did not change, when it read every record
    if night_only:
        digests, new_keys, new_rows = with_stored_digests(state, digests)
    if reason := refit_reason(state, config, len(digests)):
        return RefitNeeded(reason)
    if state.linked_under != linking_digest(config):  # every customer was clustered under other settings
        return RefitNeeded(
            "linkage.yaml's thresholds or guards, or customer360's clustering rules, changed: every record is"
            " linked again",
            refit=False,
        )
    labels = steward_fingerprint(decisions)
    if labels != state.steward_labels:  # the weights they correct are every pair's, not only the night's
        return RefitNeeded(
            "steward labels changed: their corrected weights apply to the whole file", refit=False
        )
    timings: dict[str, float] = {}
    lap = stopwatch(timings)
    at = pd.Timestamp.now(tz="UTC").tz_localize(None).floor("s")
    if not night_only:
        person_key = _keys(digests["source"], digests["source_record_id"])
        old_digest = pd.Series(
            state.digests["digest"].to_numpy(),
            index=_keys(state.digests["source"], state.digests["source_record_id"]),
        )
        before = old_digest.reindex(person_key).to_numpy()
        new_rows = pd.isna(before) | (before != digests["digest"].to_numpy())
        new_keys, unchanged_keys = person_key[new_rows], person_key[~new_rows]
    night_rows = new_rows[len(digests) - len(persons) :]  # the persons' rows are the digests' last
    rec, old_rows, night = _prepare_night(persons, new_keys, unchanged_keys, night_rows, state.records)
    if night is not None:  # the night's own rows are the new and changed records'
        changed = night.origin[: len(rec)] >= len(state.records)
    else:
        changed = _holding(rec["source"].to_numpy(), rec["source_record_id"].to_numpy(), new_keys)
    # the records' keys where a steward decision names records (else only the few that are looked up)
    keys = _record_keys(rec) if decisions is not None and len(decisions) else None
    prev_ids = previous_xref["customer_id"].astype(str).to_numpy()
    prev_row = _previous_rows(previous_xref, rec, state.records, night)
    gone = np.ones(len(previous_xref), dtype=bool)  # in the customer file, no longer among the person records
    gone[prev_row[prev_row >= 0]] = False
    lap("prepare")

    # the stored rows of the changed and removed records encoded after the night's: what their blocks held
    joint = _encoded(rec, old_rows, state, night, config)
    records = _head(joint, len(rec))
    records.value_counts.update(state.frozen_counts(records))
    # array work over the whole file (sorts, counts: the GIL released) in a thread beside the Python work of the
    # references and the customer codes below, which touch nothing it reads or writes (the blocks' cache)
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="link-caps")
    crossing = pool.submit(_crossing_caps, joint, records, config, changed, old_rows)
    pool.shutdown(wait=False)  # the thread ends once the work is done (crossing.result() below)
    entities = _entities(digests, rec) if night_only else record_entities(persons, rec)
    refs = resolve_references(rec, entities, references)
    linkable = linkable_records(rec, refs)
    n = len(rec)
    # each customer-file row's customer as a code, and each record's (-1: a new record)
    file_code, file_ids = pd.factorize(prev_ids)
    cust_code = np.full(len(rec), -1, dtype=np.int64)
    cust_code[prev_row >= 0] = file_code[prev_row[prev_row >= 0]]
    start = changed | _of_customers(cust_code, file_code[gone])
    decided = latest_decisions(decisions)
    if len(decided):  # the records a decision names: their constraints are applied again
        named = _keys(decided["source_l"], decided["id_l"]).append(
            _keys(decided["source_r"], decided["id_r"])
        )
        start |= keys.isin(named)
    # a reference between two customers (a newly detected one, or to a record that arrived late)
    split_ref = (cust_code[refs.left] != cust_code[refs.right]) | (cust_code[refs.left] < 0)
    start[refs.left[split_ref]] = start[refs.right[split_ref]] = True
    start |= _lost_references(previous_pairs, refs, rec)
    start |= crossing.result()
    inside = _whole_customers(start, cust_code)
    frontier = inside.copy()
    base = float(np.log2(state.parameters.prior / (1 - state.parameters.prior)))
    correction: Correction | None = None
    learned = {"labels": 0, "corrected": False}

    def score(columns: PairColumns) -> tuple[PairColumns, np.ndarray]:
        return stored_weights(records, columns, config, state.parameters)

    def corrected(columns: PairColumns) -> tuple[PairColumns, np.ndarray]:
        """Scored as engine.link scores its candidate pairs: corrected by the steward labels (learn.py)."""
        weights, match_weight = score(columns)
        if correction is None:
            return weights, match_weight
        weights = apply_correction(weights, columns, correction, config)
        return weights, base + correction.intercept + summed_weights(weights, len(columns["l"]))

    found: list[PairColumns] = []
    lone: LoneMailboxes | None = None  # read when the closure first runs out of pairs
    typo = TypoOwners(rec, records)
    stats = None
    rounds = 0
    while rounds == 0 or frontier.any():  # one round even on a night with nothing new: empty pair columns
        rounds += 1
        # a pair touching an earlier round's frontier was compared in that round: not again
        cand = find_candidates(records, config, refs, linkable, focus=frontier, done=inside & ~frontier)
        stats = stats or cand.stats
        p = cand.pairs
        extra = {"l": p.left, "r": p.right, "rules": p.rules, "first_rule": p.first_rule,
                 "is_reference": cand.is_reference, "evidence": cand.evidence}  # fmt: skip
        cmp = compare(records, config, p.left, p.right, extra=extra, workers=COMPARE_WORKERS)
        if (
            rounds == 1 and labels
        ):  # every decided record is in the first frontier: every labelled pair is here
            weights, _ = score(cmp)
            y = pair_labels(
                pd.Series(_record_keys(rec).to_numpy(), dtype=object), cmp["l"], cmp["r"], decisions
            )
            correction, learned = fit_correction(weights, cmp, base, y, config)
        weights, match_weight = corrected(cmp)
        found.append({**cmp, **{WEIGHT_OF + k: v for k, v in weights.items()}, MATCH_WEIGHT: match_weight})
        # a namesake pair is no match edge, in any run (namesakes_by_levels): it joins nothing across the border
        edge = (decide(match_weight, config)[1] == MATCH) & ~namesakes_by_levels(
            cmp, config, np.zeros(len(p.left), bool)
        )
        reach = _reaching(records, config, cmp, edge | cand.is_reference)
        ends = np.zeros(n, dtype=bool)
        ends[p.left[reach]] = ends[p.right[reach]] = True
        frontier = _whole_customers(ends & ~inside, cust_code) & ~inside
        if not frontier.any():  # closed under the pairs: the typo case's both sides join too (contact_points)
            if lone is None:
                lone = LoneMailboxes(rec)
            typos = typo.reached_by(inside) | lone.reached_by(inside)
            frontier = _whole_customers(typos & ~inside, cust_code) & ~inside
        inside |= frontier
    lap("blocking_compare")

    rounds_order = _RoundsOrder(found, n)
    # scored as they were found: a pair's weights are its own
    pairs, weights, match_weight, is_reference, evidence = _scored(
        rounds_order.rows(inside[rounds_order.left] & inside[rounds_order.right])
    )
    steward_keys = pd.Series(keys.to_numpy(), dtype=object) if len(decided) else pd.Series([], dtype=str)
    c = resolve_clusters(rec, records, config, pairs, weights, match_weight, score, is_reference, evidence,
                         steward_keys, decisions, personal=partial(personal_values, within=inside),
                         mistyped=partial(attach_mistyped_records, within=inside, records=records))  # fmt: skip
    matched = c.decision == MATCH
    distance, where = drift(
        state.level_shares, level_counts(c.cmp, config, matched), config.incremental.drift_min_pairs
    )
    if distance > config.incremental.max_drift:
        return RefitNeeded(f"the night's pairs drift from the fitted model on {where} ({distance:.2f})")
    lap("clustering")

    rids = np.flatnonzero(inside & ~stays_unlinked(linkable, c.labels))  # the unlinked get no customer id
    touched = previous_xref[_of_customers(file_code, np.r_[cust_code[inside], file_code[gone]])]
    sub = rec.iloc[rids]
    night_ids, history = assign_customer_ids(
        sub[["source", "source_record_id"]].assign(cluster=c.labels[rids]), touched, run_id, at,
        reserved=set(file_ids),
    )  # fmt: skip
    history["run_id"] = run_id
    customer_ids = pd.Series(np.full(n, None, dtype=object))
    customer_ids.iloc[rids] = night_ids.to_numpy()
    left, right = c.cmp["l"], c.cmp["r"]
    night_xref = _xref(rec, c.labels, customer_ids, left, right, c.probability, c.decision, at, inside)
    keep_link_times(night_xref, previous_xref, prev_row[inside])
    xref = _night_xref(previous_xref, prev_row, night_xref, inside)
    lap("identity")

    keep = np.ones(len(left), bool) if config.keep_non_match_pairs else c.decision != NON_MATCH
    night_pairs = _pairs_table(
        rec, {k: v[keep] for k, v in c.cmp.items()}, {k: v[keep] for k, v in c.weights.items()},
        c.match_weight[keep], c.probability[keep], c.decision[keep], c.notes()[keep], config,
    )  # fmt: skip
    night_pairs = pd.concat(
        [night_pairs, _border_pairs(rec, records, config, rounds_order, inside)], ignore_index=True
    )
    night_pairs = night_pairs.sort_values("match_weight", ascending=False, kind="stable", ignore_index=True)
    night_pairs = annotate_pairs(night_pairs, decisions)
    removed = _keys(previous_xref["source"][gone], previous_xref["source_record_id"][gone])
    all_pairs = _carry_pairs(previous_pairs, _record_keys(rec, inside), removed, night_pairs, handed)
    review = review_rows(all_pairs)
    n_total = total_pairs(rec.groupby("source").size(), config.link_type == "link_only")
    sizes = counted_sizes(previous_xref["customer_id"], file_code, file_ids, prev_row[~inside & (prev_row >= 0)],
                          night_xref["customer_id"])  # fmt: skip
    summary = _summary(rec, stats, c.decision, c.refused, xref, history, state.parameters, n_total, sizes)
    summary.update(
        mode="incremental",
        new_or_changed_records=int(changed.sum()),
        removed_records=int(gone.sum()),
        relinked_records=int(inside.sum()),
        closure_rounds=rounds,
        drift=round(distance, 4),
        nights_since_fit=state.nights_since_fit + 1,
        unlinkable_records=int((~linkable).sum()),
        unresolved_references=refs.unresolved,
        **stage_counts(c),
    )
    summary["steward"] = {**learned, "must_links": len(c.steward.must),
                          "cannot_links": len(c.steward.cannot), "conflicts": len(c.steward.conflicts)}  # fmt: skip
    lap("outputs")
    summary["timings"] = timings
    if list(xref.columns) != list(night_xref.columns):
        xref = xref[list(night_xref.columns)]
    rec.pop("rid")  # the state's record table: this night's own table, no copy of it without the column
    return LinkageResult(
        xref=xref, pairs=all_pairs, review=review, history=history,
        summary=summary, parameters=state.parameters, timings=timings,
        state=state.next_night(digests, rec, labels, linking_digest(config), encoding=_head(joint, n)),
    )  # fmt: skip


class _RoundsOrder:
    """The closure rounds' pairs (each round's are new: none touches an earlier round's frontier) in (l, r) order,
    as a full run's candidates: ordered once, for the pairs inside the night's work and those across its border."""

    def __init__(self, found: list[PairColumns], n: int) -> None:
        self.found = found
        self.left, self.right = (np.concatenate([f[k] for f in found]) for k in ("l", "r"))
        self._first = np.argsort(self.left.astype(np.int64) * max(n, 1) + self.right, kind="stable")

    def column(self, name: str) -> np.ndarray:
        """One column of every round's pairs, in the rounds' order."""
        return np.concatenate([f[name] for f in self.found])

    def rows(self, keep: np.ndarray) -> PairColumns:
        """The pair columns of the pairs `keep` (bool per pair, in the rounds' order), in (l, r) order."""
        taken = self._first[keep[self._first]]
        return {k: self.column(k)[taken] for k in self.found[0]}


def _scored(pairs: PairColumns) -> tuple[PairColumns, PairColumns, np.ndarray, np.ndarray, np.ndarray]:
    """A round's pair columns split into the comparisons, the weights (WEIGHT_OF + comparison), the match weight,
    whether each is a reference, and its evidence."""
    weights = {k[len(WEIGHT_OF) :]: pairs.pop(k) for k in list(pairs) if k.startswith(WEIGHT_OF)}
    match_weight = pairs.pop(MATCH_WEIGHT)
    return pairs, weights, match_weight, pairs.pop("is_reference"), pairs.pop("evidence")


def _border_pairs(
    rec: pd.DataFrame,
    records: EncodedRecords,
    config: LinkageConfig,
    rounds: _RoundsOrder,
    inside: np.ndarray,
) -> pd.DataFrame:
    """The pairs table rows of the closure rounds' pairs between a record the night links again and one it leaves:
    scored as the round found them, decided by their weight as a full run decides a pair between two customers
    (none is a match edge or a reference: the closure would have taken the other customer in; a namesake or a
    household pair scoring as a match goes to review, as resolve_clusters sends it, with its note), kept as a full
    run keeps pairs (review; non-matches too with keep_non_match_pairs). The
    night drops last night's pairs touching its records: without these, a review pair between a re-linked and an
    untouched customer left the match pairs and the review queue."""
    border = inside[rounds.left] ^ inside[rounds.right]
    if not config.keep_non_match_pairs:
        border[border] = decide(rounds.column(MATCH_WEIGHT)[border], config)[1] != NON_MATCH
    pairs, weights, match_weight, _, _ = _scored(rounds.rows(border))
    probability, decision = decide(match_weight.copy(), config)
    # personal values read for the values the night's records hold, as for its own pairs
    personal = personal_values(rec, records, pairs, config, within=inside)
    agree = personal_agreement(records, pairs, config, personal)
    # the match edges a full run's guards send to review (resolve_clusters), with its notes
    household, workplace = household_guard(
        pairs, config, agree, decision, np.zeros(len(decision), dtype=bool)
    )
    namesake = namesake_pairs(pairs, config, agree) & (decision == MATCH)
    decision[namesake] = REVIEW
    notes = guard_notes(len(decision), namesake, household, workplace)
    return _pairs_table(rec, pairs, weights, match_weight, probability, decision, notes, config)


def _named(pairs: pd.DataFrame, side: str, keys: pd.Index) -> np.ndarray:
    """Pairs whose `side` record is one of `keys` (a few of the file's)."""
    return _holding(pairs[f"source_{side}"].to_numpy(), pairs[f"id_{side}"].to_numpy(), keys)


def _columns(pairs: pd.DataFrame | pa.Table) -> list[str]:
    return pairs.column_names if isinstance(pairs, pa.Table) else list(pairs.columns)


def _carry_pairs(
    previous: pd.DataFrame | pa.Table | None,
    relinked: pd.Index,
    removed: pd.Index,
    night: pd.DataFrame,
    handed: bool = False,
) -> pd.DataFrame | OrderedPairs:
    """Last run's pairs between records outside the night's work, and the night's pairs; `handed`: `previous`
    is this call's to empty (each of its columns dropped once carried). Last run's pairs as an Arrow table
    (as read from match_pairs): the same pairs as Arrow rows in order (linkage/pair_table.py), unless pandas
    would join them otherwise."""
    if previous is None or not len(previous):
        return night
    drop = relinked.append(removed)
    if isinstance(previous, pa.Table):
        carried = carried_table(previous, drop, night)
        if carried is not None:
            return carried
        previous = previous.to_pandas(deduplicate_objects=True, split_blocks=True)
        handed = True
    kept = np.flatnonzero(~_named(previous, "l", drop) & ~_named(previous, "r", drop))
    if len(night) and list(night.columns) != list(previous.columns):  # aligned as pandas concat aligns them
        out = pd.concat([previous.iloc[kept], night], ignore_index=True)
        return out.sort_values("match_weight", ascending=False, kind="stable").reset_index(drop=True)
    return _by_weight(previous, kept, night, handed)


def _by_weight(
    previous: pd.DataFrame, kept: np.ndarray, night: pd.DataFrame, handed: bool = False
) -> pd.DataFrame:
    """`previous`' rows `kept`, then `night`'s, in descending match weight (stable, as sort_values), built a
    column at a time: the file's pairs are not copied three times over (kept, joined, sorted) at once."""
    weight = previous["match_weight"].iloc[kept]
    joined = pd.concat([weight, night["match_weight"]], ignore_index=True) if len(night) else weight
    order = joined.reset_index(drop=True).sort_values(ascending=False, kind="stable").index.to_numpy()
    return _interleaved(previous, kept, night, order, handed)


__all__ = ["RefitNeeded", "holders_crossing_cap", "link_incremental", "refit_reason"]
