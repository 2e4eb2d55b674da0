"""What an incremental night needs from the last full fit: the model parameters, the comparison-level mix
they were fitted on (to detect drift), and a digest of every linked record (to find the new and changed ones).

The caller persists it (assets/link/io.py: linkage/state/); this module only turns it into plain tables/JSON.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from linkage import prepare, standardise
from linkage.compare import PairColumns, tf_source
from linkage.config import LinkageConfig
from linkage.encode import EncodedRecords, sorted_unique, value_counts
from linkage.prepare import PERSON_INPUT
from linkage.score import Parameters

DIGEST_COLUMNS = ["source", "source_record_id", "digest"]  # and `entity` when the person records have one
FREQUENCY_COLUMNS = ["column", "value_hash", "count"]  # values hashed: no e-mail or name kept in the state
# A value the model did not see when it was fitted counts as held by this many records: as rare as the rarest.
UNSEEN_COUNT = 1


@dataclass
class LinkageState:
    parameters: Parameters
    level_shares: dict[str, list[float]]  # per comparison: share of the matched pairs at each level
    digests: pd.DataFrame  # source, source_record_id, digest (uint64) of every record linked
    nights_since_fit: int = 0
    fitted_run_id: str = ""
    config_digest: str = ""  # a changed linkage.yaml invalidates the parameters
    records_at_fit: int | None = None  # None: as many as digests
    # Term frequencies at the fit (column, value_hash, count) and the records holding a value per column: part of
    # the model, so a pair scores the same on every night until the next refit, whatever else arrived.
    frequencies: pd.DataFrame | None = None
    holders: dict[str, int] = field(default_factory=dict)
    # The prepared record table (linkage/prepare.py, without rid) the digests describe: a night prepares only
    # its new and changed records, and knows what a changed record held before.
    records: pd.DataFrame | None = None
    # learn.steward_fingerprint of the labels the last night corrected the weights by, and linking_digest of
    # the thresholds and guards it clustered with: a change moves every customer, not only the night's
    steward_labels: str = ""
    linked_under: str = ""
    # fitted_rules() when the model was fitted: its term frequencies count the values those rules made
    fitted_rules: str = ""
    extra: dict = field(default_factory=dict)
    # `records` as integer codes (linkage/stored_encoding.py): a night encodes only its own rows against it.
    # None (a state written before it, or after an erasure dropped it): the night encodes every record once.
    encoding: EncodedRecords | None = field(default=None, compare=False, repr=False)

    def frozen_counts(self, records: EncodedRecords) -> dict[str, tuple[np.ndarray, int]]:
        """encode.value_counts overrides for `records`: each value's count at the fit (UNSEEN_COUNT if new)."""
        if self.frequencies is None:
            return {}
        out = {}
        for column, table in self.frequencies.groupby("column", sort=False):
            counts = pd.Series(
                table["count"].to_numpy(np.int64), index=table["value_hash"].to_numpy(np.uint64)
            )
            # only the values the column holds are looked up (a count is read for those only): the whole
            # vocabulary is every string of the file
            used = _column_codes(records, str(column))
            looked_up = np.full(len(records.vocab), UNSEEN_COUNT, dtype=np.int64)
            hashes = value_hashes(records.vocab[used], distinct=True)
            looked_up[used] = counts.reindex(hashes).fillna(UNSEEN_COUNT).to_numpy(np.int64)
            out[str(column)] = (looked_up, int(self.holders.get(str(column), 0)))
        return out

    def next_night(
        self,
        digests: pd.DataFrame,
        records: pd.DataFrame,
        steward_labels: str,
        linked_under: str,
        encoding: EncodedRecords | None = None,
    ) -> LinkageState:
        """The same model one night later, over the night's records (`encoding`: theirs, if known)."""
        return dataclasses.replace(
            self, digests=digests, records=records, steward_labels=steward_labels, linked_under=linked_under,
            nights_since_fit=self.nights_since_fit + 1, encoding=encoding,
        )  # fmt: skip

    def to_json(self) -> str:
        p = self.parameters
        return json.dumps(
            {
                "m": {k: v.tolist() for k, v in p.m.items()},
                "u": {k: v.tolist() for k, v in p.u.items()},
                "prior": p.prior,
                "sessions": p.sessions,
                "level_shares": self.level_shares,
                "nights_since_fit": self.nights_since_fit,
                "fitted_run_id": self.fitted_run_id,
                "config_digest": self.config_digest,
                "records_at_fit": self.records_at_fit,
                "holders": self.holders,
                "steward_labels": self.steward_labels,
                "linked_under": self.linked_under,
                "fitted_rules": self.fitted_rules,
                **self.extra,
            },
            default=str,
        )

    @classmethod
    def from_json(
        cls,
        text: str,
        digests: pd.DataFrame,
        frequencies: pd.DataFrame | None = None,
        records: pd.DataFrame | None = None,
        encoding: EncodedRecords | None = None,
    ) -> LinkageState:
        data = json.loads(text)
        parameters = Parameters(
            m={k: np.asarray(v) for k, v in data.pop("m").items()},
            u={k: np.asarray(v) for k, v in data.pop("u").items()},
            prior=float(data.pop("prior")),
            sessions=data.pop("sessions", []),
        )
        known = {
            k: data.pop(k, None)
            for k in (
                "level_shares",
                "nights_since_fit",
                "fitted_run_id",
                "config_digest",
                "records_at_fit",
                "steward_labels",
                "linked_under",
                "fitted_rules",
            )
        }
        for text_field in ("steward_labels", "linked_under", "fitted_rules"):
            known[text_field] = known[text_field] or ""
        holders = data.pop("holders", None) or {}
        return cls(parameters=parameters, digests=digests, frequencies=frequencies, holders=holders,
                   records=records, extra=data, encoding=encoding, **known)  # fmt: skip


def _column_codes(records: EncodedRecords, column: str) -> np.ndarray:
    """The distinct codes a scalar or list column of `records` holds."""
    if column in records.lists:
        return sorted_unique(records.lists[column].codes)
    if column in records.scalars:
        codes = records.scalars[column]
        return sorted_unique(codes[codes >= 0])
    return np.empty(0, dtype=np.int64)


def value_hashes(values: pd.Series | np.ndarray, distinct: bool = False) -> np.ndarray:
    """uint64 per value (pandas' fixed-key SipHash: the same in every process; missing values hash alike).
    `distinct` (no value twice, e.g. a vocabulary's): hashed one by one, not factorized first (the same
    hashes where no value is missing)."""
    values = np.asarray(values, dtype=object)
    return pd.util.hash_array(values, categorize=not distinct or bool(pd.isna(values).any()))


def term_frequencies(records: EncodedRecords, config: LinkageConfig) -> tuple[pd.DataFrame, dict[str, int]]:
    """The value counts of every term-frequency-adjusted comparison's column, and its holders."""
    parts, holders = [], {}
    for column in sorted({tf_source(c) for c in config.comparisons if c.term_frequency}):
        counts, held = value_counts(records, column)
        codes = np.flatnonzero(counts)
        parts.append(pd.DataFrame({"column": column, "value_hash": value_hashes(records.vocab[codes], distinct=True),
                                   "count": counts[codes].astype(np.int64)}))  # fmt: skip
        holders[column] = held
    table = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=FREQUENCY_COLUMNS)
    return table, holders


def config_digest(config: LinkageConfig) -> str:
    """The settings the parameters were fitted under (thresholds, clustering and refit policy are not)."""
    import hashlib

    fitted_on = config.model_dump_json(include={"link_type", "blocking", "comparisons", "scoring"})
    return hashlib.sha256(fitted_on.encode()).hexdigest()[:16]


def fitted_rules() -> str:
    """The versions of the rules that made the values a model is fitted on (linkage/standardise STANDARDISE_RULES,
    linkage/prepare PREPARE_RULES): a state fitted under others is refitted, every record prepared anew."""
    return f"standardise {standardise.STANDARDISE_RULES}, prepare {prepare.PREPARE_RULES}"


# The engine's own rules for turning scores into customers, beside linkage.yaml's settings: raised when a release
# changes them (2: namesakes, linkage/namesakes.py; 3: names in writings the keys cannot compare are no proof of two
# people, linkage/contact_points.py; a work beside a private mailbox is no namesake veto; 4: colleagues behind one
# switchboard, linkage/households.py; 5: romaji that spells pinyin beside kanji sharing a personal value,
# linkage/contact_points.py; 6: a namesake pair joins no component evidence completion completes, linkage/engine.py),
# so the first night
# after an upgrade re-links every record with the stored model instead of keeping the customers clustered under the
# old rules.
CLUSTERING_RULES = 6


def linking_digest(config: LinkageConfig, rules: int = CLUSTERING_RULES) -> str:
    """The settings that turn scores into customers (thresholds, guards, pairs kept) and the engine's clustering
    rules: a change re-links every record with the stored model."""
    import hashlib

    used = config.model_dump_json(include={"thresholds", "clustering", "keep_non_match_pairs"})
    return hashlib.sha256(f"rules {rules}: {used}".encode()).hexdigest()[:16]


def linked_as_now(model: dict | None, inputs: dict[str, str], config: LinkageConfig) -> bool:
    """Whether a stored state (its model.json, as a dict) was linked from exactly `inputs` under today's
    linkage.yaml and customer360's rules: then a night has nothing to link. A changed setting or an upgrade's
    new rules re-link even on a night without new files."""
    return (
        model is not None
        and dict(model.get("person_inputs") or {}) == inputs
        and model.get("config_digest") == config_digest(config)
        and model.get("linked_under") == linking_digest(config)
        and model.get("fitted_rules") == fitted_rules()
    )


HASH_PRIME = np.uint64(0x100000001B3)  # FNV-1 64-bit prime: digests and checksums over several hashes


def _hash_lists(values: pd.Series) -> np.ndarray:
    """uint64 per row over the row's list (order kept; missing = empty)."""
    values = values.reset_index(drop=True)
    lengths = values.str.len().fillna(0).astype(np.int64).to_numpy()
    exploded = values.explode().to_numpy(dtype=object)  # max(length, 1) rows per row
    flat = exploded[np.repeat(lengths > 0, np.maximum(lengths, 1))]
    out = lengths.astype(np.uint64) * HASH_PRIME
    if len(flat):
        row = np.repeat(np.arange(len(values)), lengths)
        position = np.arange(len(flat)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        with np.errstate(over="ignore"):
            np.add.at(out, row, value_hashes(flat) * (position.astype(np.uint64) * HASH_PRIME + np.uint64(1)))
    return out


def person_keys(persons: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(source, source_record_id) of each person record as prepare_records keys it (stripped)."""
    source = persons["source"].astype(object).where(persons["source"].notna(), "").astype(str).str.strip()
    return source.to_numpy(dtype=object), persons["source_record_id"].astype(str).str.strip().to_numpy(
        dtype=object
    )


def digest_table(persons: pd.DataFrame) -> pd.DataFrame:
    """uint64 per person record over what linkage reads of it (linkage/prepare.py's columns but the load time,
    and the entity): equal digests, the same prepared record, so a night prepares and links only the others."""
    digest = np.zeros(len(persons), dtype=np.uint64)
    read = (set(PERSON_INPUT) | {"phone_types", "entity"}) & set(persons.columns)
    with np.errstate(over="ignore"):
        for column in sorted(read):
            values = persons[column]
            present = values.dropna()
            lists = len(present) > 0 and isinstance(present.iloc[0], list | tuple | np.ndarray)
            digest = digest * HASH_PRIME + (_hash_lists(values) if lists else value_hashes(values))
    source, record_id = person_keys(persons)
    table = pd.DataFrame({"source": source, "source_record_id": record_id, "digest": digest})
    if "entity" in persons:  # what references.record_entities reads of a record a night does not re-read
        table["entity"] = persons["entity"].to_numpy(dtype=object)
    return table


def level_counts(cmp: PairColumns, config: LinkageConfig, matched: np.ndarray) -> dict[str, np.ndarray]:
    """Per comparison: the matched pairs with a value on both sides at each level."""
    out = {}
    for c in config.comparisons:
        g = cmp[f"g_{c.name}"][matched]
        out[c.name] = np.bincount(g[g >= 0], minlength=c.n_levels).astype(float)
    return out


def level_shares(cmp: PairColumns, config: LinkageConfig, matched: np.ndarray) -> dict[str, list[float]]:
    """Per comparison: the share of the matched pairs (with a value on both sides) at each level. Matched
    pairs are picked by the same rule every night, so their level mix moves only when the data does (a new
    source without birth dates, phones in a new format)."""
    return {
        name: (counts / max(counts.sum(), 1.0)).round(6).tolist()
        for name, counts in level_counts(cmp, config, matched).items()
    }


def drift(
    before: dict[str, list[float]], now: dict[str, np.ndarray], min_pairs: int = 1
) -> tuple[float, str]:
    """Largest total-variation distance between the fitted level mixes and a night's (`now`: level_counts), and
    the comparison it is on. A comparison the night values on fewer than `min_pairs` matched pairs is not
    judged: a few pairs' mix is noise (three pairs with a gender on both sides moved it 0.5 on an unseen
    delivery's correction night, and the whole file was refitted), but a comparison the model lacks is."""
    worst, where = 0.0, ""
    for name, counts in now.items():
        old = before.get(name)
        if old is None or len(old) != len(counts):
            return 1.0, name
        if counts.sum() < min_pairs:
            continue
        distance = 0.5 * float(np.abs(np.asarray(old) - counts / counts.sum()).sum())
        if distance > worst:
            worst, where = distance, name
    return worst, where
