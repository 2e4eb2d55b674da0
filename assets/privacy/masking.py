"""Masking policies: what a PII column becomes on its way out (full | masked | hashed | dropped)."""

from __future__ import annotations

import re
from enum import StrEnum

import numpy as np
import pandas as pd

from assets.entities import ENTITIES, Pii
from assets.privacy.identifiers import hash_series, require_hmac_key


class Action(StrEnum):
    FULL = "full"  # clear text: only for targets that are allowed to hold personal data
    MASKED = "masked"  # partly hidden: 138****5678, z***@example.com, 张*
    HASHED = "hashed"  # HMAC-SHA256 of the normalised value: not readable, joins still work
    DROPPED = "dropped"  # the column is removed


_NON_DIGITS = re.compile(r"\D")


def mask_phone(value: str) -> str:
    """Keep the first 3 and last 4 digits: '+86 138-1234-5678' → '138****5678'."""
    digits = _NON_DIGITS.sub("", value)
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if len(digits) <= 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_email(value: str) -> str:
    """Keep the first character of the local part and the domain: 'zhang.wei@example.com' → 'z***@example.com'."""
    local, at, domain = value.strip().rpartition("@")
    if not at or not local:
        return "***"
    return f"{local[0]}***@{domain}"


def mask_text(value: str) -> str:
    """Keep the first character of each word: '张伟' → '张*', 'Wei Zhang' → 'W*** Z***'."""
    words = value.split()
    if len(words) == 1 and not value.isascii():
        return value[0] + "*" * max(len(value) - 1, 1)
    return " ".join(w[0] + "***" for w in words)


_MASKERS = {Pii.PHONE: mask_phone, Pii.EMAIL: mask_email, Pii.NAME: mask_text}


def mask_value(value: object, tag: Pii) -> object:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value)
    if not text.strip():
        return text
    masker = _MASKERS.get(tag)
    # Anything without a readable partial form (address, birth date, free text, social ids) is fully starred.
    return masker(text) if masker else "****"


def mask_series(values: pd.Series, tag: Pii) -> pd.Series:
    """`mask_value` over a column, each distinct value masked once (names, cities and keys repeat a lot)."""
    try:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
    except TypeError:  # unhashable values (lists): one by one
        return values.map(lambda v: mask_value(v, tag)).astype(object)
    masked = np.array([mask_value(v, tag) for v in uniques] + [None], dtype=object)
    return pd.Series(masked[codes], index=values.index, dtype=object)  # code -1 (missing): the trailing None


def apply_policy(
    frame: pd.DataFrame, tags: dict[str, Pii], policy: dict[Pii, Action], key: bytes | None = None
) -> tuple[pd.DataFrame, dict[str, Action]]:
    """Apply `policy` to the tagged columns of `frame`; returns the new frame and what was done per column.

    A tag the policy does not mention is dropped (fail closed). `key` is the HMAC key for hashed columns
    (read from C360_HMAC_KEY when not given).
    """
    out = frame.copy()
    applied: dict[str, Action] = {}
    for column, tag in tags.items():
        if column not in out.columns:
            continue
        action = policy.get(tag, Action.DROPPED)
        applied[column] = action
        if action == Action.DROPPED:
            out = out.drop(columns=column)
        elif action == Action.MASKED:
            out[column] = mask_series(out[column], tag)
        elif action == Action.HASHED:
            out[column] = hash_series(out[column], tag, key or require_hmac_key())
    return out, applied


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formula(value: object) -> object:
    """Prefix a cell that a spreadsheet would run as a formula (=, +, -, @, tab, CR at the start) with '."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """For CSV/XLSX exports only (Parquet/Postgres keep values verbatim): text columns made formula-safe."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise_formula)
    return out


# Every canonical source column that holds personal data, with its tag (the same name means the same tag).
SOURCE_PII: dict[str, Pii] = {n: t for e in ENTITIES.values() for n, t in e.pii_columns().items()}
_HIDDEN = "****"


def mask_preview(frame: pd.DataFrame | None, tags: dict[str, Pii] = SOURCE_PII) -> pd.DataFrame:
    """A frame fit for Dagster metadata (kept in the event log, which erasure cannot reach): tagged columns masked,
    `_extra` (unmapped vendor columns: unknown content) hidden, and a quarantine row's `raw_value` masked by the
    tag of its `column` — a whole unparseable line hidden; values of untagged columns stay readable."""
    if frame is None:
        return pd.DataFrame()
    out = frame.copy()
    for column in out.columns:
        if column in tags:
            out[column] = out[column].map(lambda v, t=tags[column]: mask_value(v, t)).astype(object)
    if "_extra" in out:
        out["_extra"] = out["_extra"].map(
            lambda v: _HIDDEN if isinstance(v, str) and v not in ("", "{}") else v
        )
    if {"raw_value", "column", "check"} <= set(out.columns):
        out["raw_value"] = [
            _mask_raw_value(value, str(column), check)
            for value, column, check in zip(out["raw_value"], out["column"], out["check"], strict=True)
        ]
    return out


def _mask_raw_value(value: object, column: str, check: object) -> object:
    if check == "parseable_row":
        return _HIDDEN if value else value  # the raw text of a whole line
    tag = SOURCE_PII.get(column.split("+")[0])
    return mask_value(value, tag) if tag else value
