"""Reference resolution: a row that names its person by another source's record id joins that record.

An order workbook often knows a customer only by the CRM's record id (`customer_ref` = a Salesforce Id, a Zoho
id, an Fxiaoke 客户编号): no name, phone or e-mail to match on. Its person record (keyed by that
customer_ref, docs/CONTRACTS.md) is attached to the referenced record deterministically, with the evidence.

Which sources a source refers to is declared (sources.yaml `references:`); for undeclared sources it is
detected when enough of their keys are record ids of a person source. Ids match as written, or in the forms
other systems store them: Salesforce's 15-character id for an 18-character one, Zoho's bare number for
`zcrm_<number>`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from linkage.blocking import CandidatePairs
from linkage.encode import in_sorted

PERSON_ENTITIES = frozenset({"contact", "enrichment"})  # records keyed by their own id (linkage.records)
ROW_KEY_PREFIX = "r:"  # a row naming no person (linkage.records.person_keys)
REFERENCE_WEIGHT = 60.0  # bits: a declared or detected id is certain, whatever the other fields say
# Undeclared sources: at least this share of a source's keys (and MIN_DETECTED of them) must be ids of one
# person source before its keys are read as references to it; a few coincidences between short ids are not.
DETECT_SHARE = 0.05
MIN_DETECTED = 3
_SALESFORCE_ID = re.compile(r"^[a-zA-Z0-9]{18}$")
_DIGITS = re.compile(r"\d{8,}")
_PREFIX = re.compile(r"^[A-Za-z]+[_\-:]")  # a prefix with a separator: zcrm_, KH-


@dataclass
class References:
    left: np.ndarray  # rid of the referring record
    right: np.ndarray  # rid of the referenced record
    evidence: np.ndarray  # object: 'customer_ref = salesforce:0035…'
    unresolved: int  # records of a referring source whose key is no known record id

    @property
    def referring(self) -> np.ndarray:
        return np.unique(self.left)


def id_forms(record_id: str) -> list[str]:
    """The forms another system may hold an id in: itself, Salesforce's case-sensitive 15-character form of
    an 18-character id, the bare number of a prefixed numeric id (zcrm_4876876000012345678)."""
    return _forms(pd.Series([record_id], dtype=object))["form"].tolist()


def _forms(ids: pd.Series) -> pd.DataFrame:
    """id_forms of every id (form, and the id's index label as rid); the regexes only run on the ids a
    cheap test leaves (18 characters, before a final newline; a separator)."""
    values = [str(v) for v in ids.tolist()]
    salesforce = [i for i, v in enumerate(values) if 18 <= len(v) <= 19 and _SALESFORCE_ID.match(v)]
    bare = {i: _PREFIX.sub("", v) for i, v in enumerate(values) if "_" in v or "-" in v or ":" in v}
    number = [i for i, v in bare.items() if v != values[i] and _DIGITS.fullmatch(v)]
    rows = list(range(len(values))) + salesforce + number
    forms = values + [values[i][:15] for i in salesforce] + [bare[i] for i in number]
    return pd.DataFrame({"form": np.array(forms, dtype=object), "rid": ids.index.to_numpy()[rows]})


def _index(ids: pd.Series) -> pd.Series:
    """form → rid over `ids` (rid-indexed); a form two records share is dropped (ambiguous)."""
    frame = _forms(ids).drop_duplicates()
    unique = frame[~frame["form"].duplicated(keep=False)]
    return pd.Series(unique["rid"].to_numpy(), index=unique["form"].to_numpy())


def resolve_references(
    rec: pd.DataFrame, entities: pd.Series, declared: dict[str, list[str]] | None = None
) -> References:
    """Reference pairs among the prepared records `rec` (rid, source, source_record_id); `entities`: the
    entity of each record (aligned with `rec`). `declared`: source → sources its customer_ref may hold."""
    declared = declared or {}
    entity = entities.to_numpy(dtype=object)
    person = np.isin(entity, list(PERSON_ENTITIES))
    sources = rec["source"].to_numpy(dtype=object)
    keys = rec["source_record_id"].astype(str)
    targets = {s: _index(keys[(sources == s) & person]) for s in pd.unique(sources[person])}
    left, right, evidence, unresolved = [], [], [], 0
    named = ~person  # rows keyed by a customer_ref: not a person record's, no row key
    named[named] = [not k.startswith(ROW_KEY_PREFIX) for k in keys[named].tolist()]
    for source in pd.unique(sources[~person]):
        mine = (sources == source) & named
        values = keys[mine]
        if not len(values):
            continue
        hits: list[tuple[str, pd.Series]] = []
        for target in declared.get(source) or sorted(targets):
            index = targets.get(target)
            if index is None:
                continue
            found = values.map(index).dropna()
            detected = len(found) >= max(MIN_DETECTED, DETECT_SHARE * len(values))
            if source in declared or detected:
                hits.append((target, found))
        resolved = pd.Series(False, index=values.index)
        for target, found in hits:
            found = found[~resolved.reindex(found.index).to_numpy()]  # the first target holding the id wins
            resolved.loc[found.index] = True
            left.append(rec["rid"].to_numpy()[found.index.to_numpy()])
            right.append(found.to_numpy(dtype=np.int64))
            held = keys.to_numpy(dtype=object)[found.to_numpy(dtype=np.int64)]
            evidence.append(np.array([f"customer_ref = {target}:{h}" for h in held], dtype=object))
        if hits:
            unresolved += int((~resolved).sum())
    if not left:
        empty = np.empty(0, dtype=np.int64)
        return References(empty, empty, np.empty(0, dtype=object), unresolved)
    return References(
        np.concatenate(left).astype(np.int64), np.concatenate(right), np.concatenate(evidence), unresolved
    )


def record_entities(persons: pd.DataFrame, rec: pd.DataFrame) -> pd.Series:
    """The entity of each prepared record (rec order); 'contact' where the person records carry none."""
    if "entity" not in persons:
        return pd.Series("contact", index=rec.index)
    key = persons["source"].astype(str) + "\x1f" + persons["source_record_id"].astype(str)
    lookup = pd.Series(persons["entity"].astype(str).to_numpy(), index=key.to_numpy())
    lookup = lookup[~lookup.index.duplicated()]
    mine = rec["source"].astype(str) + "\x1f" + rec["source_record_id"].astype(str)
    return mine.map(lookup).fillna("contact")


def with_references(
    candidates: CandidatePairs, refs: References, linkable: np.ndarray
) -> tuple[CandidatePairs, np.ndarray, np.ndarray]:
    """The blocked pairs between linkable records, plus the reference pairs; returns them, a mask of the
    reference pairs and their evidence (empty string elsewhere)."""
    keep = linkable[candidates.left] & linkable[candidates.right]
    left, right = candidates.left[keep], candidates.right[keep]
    rules, first = candidates.rules[keep], candidates.first_rule[keep]
    n = int(
        max(left.max(initial=0), right.max(initial=0), refs.left.max(initial=0), refs.right.max(initial=0))
    )
    n += 1
    ref_l, ref_r = np.minimum(refs.left, refs.right), np.maximum(refs.left, refs.right)
    ref_key, at = np.unique(ref_l * n + ref_r, return_index=True)
    key = left * n + right  # sorted: the candidates are in (left, right) order
    known = in_sorted(ref_key, key)
    all_key = np.concatenate([key, ref_key[~known]])
    order = np.argsort(all_key, kind="stable")
    pad = int((~known).sum())
    merged = CandidatePairs(
        (all_key // n)[order],
        (all_key % n)[order],
        np.concatenate([rules, np.zeros(pad, dtype=rules.dtype)])[order],
        np.concatenate([first, np.full(pad, -1, dtype=first.dtype)])[order],
    )
    is_ref = in_sorted(all_key[order], ref_key)
    evidence = np.full(len(order), "", dtype=object)
    evidence[is_ref] = pd.Series(refs.evidence[at], index=ref_key).reindex(all_key[order][is_ref]).to_numpy()
    return merged, is_ref, evidence
