"""Vendor headers → canonical columns, tolerant of how exports spell the same header.

`Mailing City` (a report label), `MailingCity` (an API name), `mailing_city` (a warehouse dump) and
`ＭＡＩＬＩＮＧ CITY` are one header: after the exact match (case, whitespace, BOM, full-width folded) comes
a compact match that also ignores spaces, underscores and punctuation. When several headers of a file map to
the same canonical column, the one listed first in `columns:` wins (Qualtrics: `RecordedDate` before
`EndDate` before `StartDate`), then a header that already is the canonical name, then file order; the others
fill the column on the rows where it is empty, in the same order (a Taiwanese CRM's 中文姓名, else its 英文姓名),
and stay in `_extra` as delivered.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from assets.entities import Entity

# Canonical columns that identify a person (a record with none of them cannot be linked by identity).
IDENTIFIER_COLUMNS = (
    "full_name", "given_name", "family_name", "email", "email_secondary",
    "phone_mobile", "phone_office", "phone_home", "phone_other", "wechat_id",
)  # fmt: skip
# Entities whose rows *are* person records: a source of these must map at least one identifier.
PERSON_ENTITIES = ("contact", "enrichment")


def compact_key(header: str) -> str:
    """`Mailing City`, `MailingCity`, `mailing_city`, `Mailing-City` → `mailingcity` (letters and digits only)."""
    text = unicodedata.normalize("NFKC", str(header)).casefold()
    return re.sub(r"[\W_]+", "", text)


def match_headers(
    headers: list[str], columns: dict[str, str], canonical: list[str], exact_key: Callable[[str], str]
) -> tuple[dict[str, str], list[str], dict[str, list[str]]]:
    """File headers → (header → canonical column, unmapped headers in file order, canonical column → the other
    headers that map to it in preference order: unmapped, so `_extra` keeps them; ingest fills the column from
    them where its own header's cell is empty).

    `columns` is the source's vendor mapping (its order is the preference), `canonical` the entity's column
    names (they map to themselves), `exact_key` the tolerant exact fold (config.header_key).
    """
    exact: dict[str, tuple[int, str]] = {}
    loose: dict[str, tuple[int, str] | None] = {}
    for rank, (vendor, target) in enumerate(columns.items()):
        exact.setdefault(exact_key(vendor), (rank, target))
        key = compact_key(vendor)
        if key in loose and loose[key] is not None and loose[key][1] != target:
            loose[key] = None  # two configured headers fold together but mean different things: exact only
        else:
            loose.setdefault(key, (rank, target))
    late = len(columns)
    for name in canonical:
        exact.setdefault(exact_key(name), (late, name))
        loose.setdefault(compact_key(name), (late, name))

    best: dict[str, tuple[int, int, str]] = {}  # target -> (rank, file position, header)
    # (rank, file position, header, target) of every matched header
    hits: list[tuple[int, int, str, str]] = []
    fallbacks: list[tuple[int, int, str, list[str]]] = []
    for pos, header in enumerate(headers):
        hit = exact.get(exact_key(header)) or loose.get(compact_key(header))
        if hit is None:
            continue
        rank, (target, *others) = hit[0], hit[1].split("|")
        hits.append((rank, pos, header, target))
        if others:
            fallbacks.append((rank, pos, header, others))
        if target not in best or (rank, pos) < best[target][:2]:
            best[target] = (rank, pos, header)
    taken = {header for _, _, header in best.values()}
    for rank, pos, header, others in sorted(fallbacks):  # `a|b`: b when another header holds a
        free = next((t for t in others if t not in best), None)
        if header not in taken and free is not None:
            best[free] = (rank, pos, header)
            taken.add(header)
    mapping = {header: target for target, (_, _, header) in sorted(best.items(), key=lambda kv: kv[1][1])}
    alternates: dict[str, list[str]] = {}
    for _, _, header, target in sorted(hits):
        if header not in taken and target in best:
            alternates.setdefault(target, []).append(header)
    return mapping, [h for h in headers if h not in mapping], alternates


def missing_identifier(
    source: str, entity: Entity, headers: list[str], mapping: dict[str, str], file_key: str
) -> str | None:
    """One line naming the source and the headers it saw when a person source's file maps no identifier."""
    if entity.name not in PERSON_ENTITIES or set(mapping.values()) & set(IDENTIFIER_COLUMNS):
        return None
    return (
        f"{file_key}: source {source!r} ({entity.name}) maps no identifier (name, email, phone, WeChat) —"
        f" headers seen: {', '.join(map(repr, headers)) or 'none'}; mapped: "
        f"{', '.join(f'{h!r}→{t}' for h, t in mapping.items()) or 'nothing'} — map the name/email/phone"
        f" headers in sources.yaml sources[{source}].columns"
    )


def unmapped_identifier_config(entity: str, columns: dict[str, str]) -> str | None:
    """Config check: a person source whose explicit `columns:` map no identifier (checked at load time)."""
    if (
        entity not in PERSON_ENTITIES
        or not columns
        or {t for v in columns.values() for t in v.split("|")} & set(IDENTIFIER_COLUMNS)
    ):
        return None
    mapping = ", ".join(f"{h!r}→{t}" for h, t in columns.items())
    return (
        f"a {entity} source must map at least one identifier ({', '.join(IDENTIFIER_COLUMNS)}); "
        f"its columns map only {mapping}"
    )
