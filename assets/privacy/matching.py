"""Find the rows of any table that belong to an erased person.

A person is known only by digests (see identifiers.py): of their normalised emails and phones, their customer_id,
and their source records `(source, id)`. Any table is searched the same way, whatever layer it comes from:
columns are recognised by name (canonical PII tags, then name patterns), list columns are exploded.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from assets.entities import Pii
from assets.privacy.classification import canonical_pii_tags, pii_by_name, value_looks_like
from assets.privacy.identifiers import digest, hash_values

# Kinds of identifier a tombstone can hold.
EMAIL, PHONE, CUSTOMER_ID, SOURCE_RECORD = "email", "phone", "customer_id", "source_record"
KINDS = (EMAIL, PHONE, CUSTOMER_ID, SOURCE_RECORD)

# Column pairs naming a source record, across the layers (raw/bronze/silver, persons, xref, match pairs).
SOURCE_KEY_COLUMNS = (
    ("_source", "source_record_id"),
    ("_source", "customer_ref"),
    ("_source", "person_source_record_id"),
    ("source", "source_record_id"),
    ("source_l", "id_l"),
    ("source_r", "id_r"),
)
FILE_LINE_COLUMNS = (("_file", "_line"), ("file", "line"))
_SEP = "\x1f"


def source_record_key(source: object, record_id: object) -> str:
    return f"{source}{_SEP}{record_id}"


def plain_hash(value: object, key: bytes | None) -> str:
    return digest(str(value).strip(), key)


def identifier_tag(column: str) -> Pii | None:
    """email/phone when the column holds one (canonical tag first, else its name), otherwise None."""
    tag = canonical_pii_tags().get(column) or pii_by_name(column)
    return tag if tag in (Pii.EMAIL, Pii.PHONE) else None


def _present(series: pd.Series) -> pd.Series:
    return series.notna() & (series.astype(str).str.strip() != "")


@dataclass(frozen=True)
class ErasureMatcher:
    key: bytes | None
    hashes: dict[str, frozenset[str]]  # kind → digests
    file_lines: frozenset[tuple[str, int]] = field(default_factory=frozenset)

    @classmethod
    def empty(cls, key: bytes | None) -> ErasureMatcher:
        return cls(key, {k: frozenset() for k in KINDS})

    def __bool__(self) -> bool:
        return any(self.hashes.values()) or bool(self.file_lines)

    def extended(
        self, kind: str, digests: Iterable[str] = (), file_lines: Iterable[tuple[str, int]] = ()
    ) -> ErasureMatcher:
        hashes = dict(self.hashes)
        hashes[kind] = hashes[kind] | frozenset(digests)
        return ErasureMatcher(self.key, hashes, self.file_lines | frozenset(file_lines))

    def relevant_columns(self, columns: list[str]) -> list[str]:
        """The columns `match` looks at: read only these from a wide table."""
        names = {str(c) for c in columns}
        wanted = {"customer_id", "column", "raw_value", "_extra"}
        for pair in (*SOURCE_KEY_COLUMNS, *FILE_LINE_COLUMNS):
            if set(pair) <= names:
                wanted |= set(pair)
        return [c for c in columns if str(c) in wanted or identifier_tag(str(c)) is not None]

    def _hits(self, series: pd.Series, kind: str, tag: Pii | None) -> pd.Series:
        wanted = self.hashes[kind]
        if not wanted:
            return pd.Series(False, index=series.index)
        holds_lists = series.dtype == object and series.map(lambda v: isinstance(v, list | np.ndarray)).any()
        exploded = series.explode() if holds_lists else series
        exploded = exploded[_present(exploded)]
        if exploded.empty:
            return pd.Series(False, index=series.index)
        lookup = hash_values(exploded.unique(), tag, self.key)
        # An exported column may already hold the digest (a 'hashed' policy with the same key).
        hit_values = {v for v, h in lookup.items() if h in wanted or str(v) in wanted}
        hit = exploded.isin(hit_values)
        return hit.groupby(level=0).any().reindex(series.index, fill_value=False)

    def _extra_hits(self, extra: pd.Series) -> pd.Series:
        """Rows whose `_extra` JSON holds a value shaped like a wanted email or phone."""
        found: dict[str, list[tuple[int, str]]] = {EMAIL: [], PHONE: []}
        for row, text in extra.items():
            if not isinstance(text, str) or "{" not in text or len(text) <= 2:
                continue
            try:
                fields = json.loads(text)
            except ValueError:
                continue
            for value in fields.values() if isinstance(fields, dict) else ():
                tag = value_looks_like(value) if isinstance(value, str) else None
                if tag is not None:
                    found[EMAIL if tag == Pii.EMAIL else PHONE].append((row, value))
        hit = pd.Series(False, index=extra.index)
        for kind, pairs in found.items():
            if pairs:
                values = pd.Series([v for _, v in pairs], index=[r for r, _ in pairs], dtype=object)
                hits = self._hits(values.reset_index(drop=True), kind, Pii(kind))
                hit.loc[values.index[hits.to_numpy()]] = True
        return hit

    def match(self, frame: pd.DataFrame) -> pd.Series:
        """Boolean mask of the rows of `frame` that belong to an erased person."""
        original_index = frame.index
        if frame.empty or not self:
            return pd.Series(False, index=original_index)
        frame = frame.reset_index(drop=True)
        hit = pd.Series(False, index=frame.index)
        for column in frame.columns:
            name = str(column)
            tag = identifier_tag(name)
            if tag is not None:
                hit |= self._hits(frame[column], EMAIL if tag == Pii.EMAIL else PHONE, tag)
            elif name == "customer_id":
                hit |= self._hits(frame[column], CUSTOMER_ID, None)
        for source_col, id_col in SOURCE_KEY_COLUMNS:
            if {source_col, id_col} <= set(frame.columns):
                keys = frame[source_col].astype(str) + _SEP + frame[id_col].astype(str)
                hit |= self._hits(keys.where(_present(frame[id_col])), SOURCE_RECORD, None)
        if "_extra" in frame.columns:  # unmapped vendor columns (JSON): a second e-mail, an old phone…
            hit |= self._extra_hits(frame["_extra"])
        if {"column", "raw_value"} <= set(frame.columns):  # quarantine: one failing value per row
            for column, group in frame.groupby("column"):
                tag = identifier_tag(str(column))
                if tag is not None:
                    hit.loc[group.index] |= self._hits(
                        group["raw_value"], EMAIL if tag == Pii.EMAIL else PHONE, tag
                    )
        if self.file_lines:
            for file_col, line_col in FILE_LINE_COLUMNS:
                if {file_col, line_col} <= set(frame.columns):
                    pairs = zip(
                        frame[file_col].astype(str),
                        pd.to_numeric(frame[line_col], errors="coerce"),
                        strict=True,
                    )
                    hit |= pd.Series([(f, int(n)) in self.file_lines if n == n else False for f, n in pairs])
        return pd.Series(hit.to_numpy(dtype=bool), index=original_index)
