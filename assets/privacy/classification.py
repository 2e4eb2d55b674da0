"""PII classification: read the tags (dbt `meta: {pii: <tag>}`), and find columns that look personal but carry none."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from assets.entities import ENTITIES, Pii

# Column names that say what they hold. Matched on the lower-cased name split at non-letters.
_NAME_PATTERNS: dict[Pii, re.Pattern[str]] = {
    Pii.EMAIL: re.compile(r"(^|_)(e_?mails?|mail)($|_)"),
    Pii.PHONE: re.compile(r"(^|_)(phone|phones|mobile|tel|telephone|cell|msisdn|fax)($|_)"),
    Pii.NAME: re.compile(
        r"(^|_)(full_?name|given_?name|family_?name|first_?name|last_?name|surname|name_pinyin|contact_name|customer_name|person_name)($|_)"
    ),
    Pii.ADDRESS: re.compile(r"(^|_)(address|addr|street|address_norm|postcode|post_code|zip|zipcode)($|_)"),
    Pii.BIRTH_DATE: re.compile(r"(^|_)(birth_?date|date_of_birth|dob|birthday)($|_)"),
    Pii.SOCIAL_ID: re.compile(r"(^|_)(wechat|wechat_id|weixin|qq|qq_number|whatsapp)($|_)"),
}

# What the values look like, for columns whose name gives nothing away.
_CONTENT_PATTERNS: dict[Pii, re.Pattern[str]] = {
    Pii.EMAIL: re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.I),
    Pii.PHONE: re.compile(r"^(\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}$|^\+\d{8,15}$"),
}
_CONTENT_SHARE = 0.3  # a column is flagged when this share of its sampled non-blank values look like PII
_SAMPLE = 200


# Names about an identifier rather than holding one: has_email, email_count, phone_verified, email_domain.
_NOT_VALUE = re.compile(
    r"^(has|is|n|num|count)_|_(count|cnt|n|num|rate|share|pct|ratio|flag|verified|valid|consent|opt_in|opt_out|domain|type|kind|source|status)$"
)


def pii_by_name(column: str) -> Pii | None:
    """The PII kind a column name announces, if any ('email_norm' → email, 'mobile' → phone)."""
    name = re.sub(r"[^a-z0-9]+", "_", column.lower()).strip("_")
    if _NOT_VALUE.search(name):
        return None
    for tag, pattern in _NAME_PATTERNS.items():
        if pattern.search(name):
            return tag
    return None


def value_looks_like(value: str) -> Pii | None:
    """email/phone when one value has that shape (used on free-form fields such as `_extra`)."""
    text = value.strip()
    for tag, pattern in _CONTENT_PATTERNS.items():
        if pattern.match(text):
            return tag
    return None


def pii_by_content(values: pd.Series) -> Pii | None:
    """The PII kind most of a sample of values look like (emails, mainland/E.164 phone numbers)."""
    sample = values.dropna().astype(str).str.strip()
    sample = sample[sample != ""].head(_SAMPLE)
    if sample.empty:
        return None
    for tag, pattern in _CONTENT_PATTERNS.items():
        if sample.map(lambda v, p=pattern: bool(p.match(v))).mean() >= _CONTENT_SHARE:
            return tag
    return None


def canonical_pii_tags() -> dict[str, Pii]:
    """Tags of the canonical source columns (assets/entities.py), all entities merged by column name."""
    tags: dict[str, Pii] = {}
    for entity in ENTITIES.values():
        tags.update(entity.pii_columns())
    return tags


def dbt_meta(entry: dict) -> dict:
    """A manifest node's or column's `meta`, with `config.meta` (where newer dbt puts it) taking precedence."""
    meta = dict(entry.get("meta") or {})
    meta.update((entry.get("config") or {}).get("meta") or {})
    return meta


def read_dbt_manifest(manifest_path: Path, consequence: str = "") -> dict:
    """dbt's target/manifest.json; missing, the error says what is unknown without it (`consequence`) and the fix."""
    try:
        return json.loads(Path(manifest_path).read_text())
    except FileNotFoundError as exc:
        raise FileNotFoundError(
            f"{manifest_path}: dbt manifest not found{consequence}; fix: run `dbt parse` (or `dbt build`) in "
            "dbt_project first"
        ) from exc


def pii_tags_from_manifest(manifest_path: Path) -> dict[str, dict[str, Pii]]:
    """{model name: {column: tag}} from a dbt `target/manifest.json` (models and snapshots)."""
    manifest = read_dbt_manifest(manifest_path)
    tags: dict[str, dict[str, Pii]] = {}
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") not in ("model", "snapshot", "seed"):
            continue
        columns = tags.setdefault(node["name"], {})
        for name, column in (node.get("columns") or {}).items():
            tag = dbt_meta(column).get("pii")
            if tag is None:
                continue
            try:
                columns[name] = Pii(tag)
            except ValueError as exc:
                raise ValueError(
                    f"{manifest_path}: model {node['name']} column {name}: meta.pii '{tag}' is not a PII tag; "
                    f"fix: use one of {[p.value for p in Pii]}"
                ) from exc
    return tags


@dataclass(frozen=True)
class UntaggedPii:
    table: str
    column: str
    looks_like: Pii
    evidence: str  # "name" | "content"

    def __str__(self) -> str:
        return (
            f"{self.table}.{self.column} looks like {self.looks_like.value} (by {self.evidence}) but has no "
            f"meta.pii tag; fix: add `meta: {{pii: {self.looks_like.value}}}` to the column in the model's yml"
        )


def find_untagged_pii(
    table: str, frame: pd.DataFrame, tags: dict[str, Pii], allow: frozenset[str] = frozenset()
) -> list[UntaggedPii]:
    """Columns of `frame` (a sample of the table is enough) that look like PII by name or content but are untagged.

    `allow` names columns (`table.column`) reviewed and known not to be personal data.
    """
    found = []
    for column in frame.columns:
        if column in tags or f"{table}.{column}" in allow:
            continue
        by_name = pii_by_name(str(column))
        if by_name is not None:
            found.append(UntaggedPii(table, str(column), by_name, "name"))
            continue
        if frame[column].dtype == object:
            by_content = pii_by_content(frame[column])
            if by_content is not None:
                found.append(UntaggedPii(table, str(column), by_content, "content"))
    return found
