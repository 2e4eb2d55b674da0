"""Namesakes: records whose e-mails or phones differ and that share no personal identifier are two people.

A name, even a rare one, is shared by more people the larger the customer file: at 333k customers a
compound family name written without its space ('ouyanghaoran' → family 'ou', given 'yanghaoran') is held
by 40 records of 20-odd people, and Fellegi–Sunter counts the rare family and the rare given name as two
independent pieces of evidence (+24 bits) against −1 bit for each differing e-mail or phone (true matches
often differ on one of them). Every pair of those namesakes then scores as a match, none is negative, and
the chaining guard (linkage/cluster.py), which reads contradicting pairs only, joins all of them.

What tells namesakes apart is their contact points: records that both hold an e-mail (or both a phone),
hold different ones, and have nothing personal in common (no personal e-mail, phone or WeChat id, no same
or nearly the same birth date) are two people. Such a pair is never a match edge (it goes to review) and
the guard reads it as clearly different people, so no chain of name-only edges puts the two in one
customer. On the 150k and 333k samples' match pairs this pattern is 1,246 and 4,217 pairs, of which 3 and
7 are one person.

A private mailbox beside a work one is weaker: one person gives the CRM an address at the employer's domain and the
web shop or survey one at a consumer provider (qq.com, gmail.com); so is a desk landline beside a mobile. Such a
pair is still no match edge, but the guard reads it as two people only where both records hold a mailbox of one
kind (both private or both at other domains) or phones of one kind (both mobiles or both landlines) and they
differ, so other records that share the person's own mailbox or mobile can still join them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from linkage.compare import PairColumns
from linkage.config import LinkageConfig
from linkage.contact_points import comparison_levels, near_birth_dates, phone_kinds
from linkage.encode import EncodedRecords
from linkage.standardise.email import is_consumer_mailbox

# The weight (bits) the chaining guard reads for a namesake pair: far below any veto, like a cannot-link.
NAMESAKE_WEIGHT = -64.0


def namesake_pairs(
    cmp: PairColumns,
    config: LinkageConfig,
    personal_agree: np.ndarray,
    records: EncodedRecords | None = None,
    rec: pd.DataFrame | None = None,
) -> np.ndarray:
    """Pairs whose e-mails or phones are present on both sides and differ (level 0; with `records` e-mails only where
    both records hold a mailbox of one kind, mailbox_kinds, and with `rec` phones only where both hold a number of
    one kind, contact_points.phone_kinds), that agree on no e-mail or phone at any level (a shared landline, a
    phone's last digits), share no personal identifier (`personal_agree`: contact_points.personal_agreement) and no
    same or nearly the same birth date."""
    namesake, two_people = namesake_readings(cmp, config, personal_agree, records, rec)
    return namesake if records is None else two_people


def namesakes_by_levels(levels: Mapping[str, Any], config: LinkageConfig, none: Any) -> Any:
    """The first reading of namesake_readings from the pairs' comparison levels alone: an e-mail or phone on both sides
    that differs, none agreeing at any level, no same or nearly the same birth date, no WeChat id in common. A personal
    value two records share agrees at the top level, so no judgement of which values are personal changes it: such a
    pair is never a match edge, whatever else the file holds (evidence completion and an incremental night's closure
    read it so). `levels`: the g_<comparison> columns, numpy arrays (`none`: all False) or Spark columns (`none`:
    F.lit(False)); `none` when e-mails or phones have no comparison (a value shared there could agree unseen)."""
    emails, phones = (comparison_levels(levels, config, None, column) for column in ("emails", "phones"))
    if emails is None or phones is None:
        return none
    differ = (emails == 0) | (phones == 0)
    agree = (emails >= 1) | (phones >= 1)
    birth = comparison_levels(levels, config, None, "birth_date")
    if birth is not None:
        agree = agree | (birth >= 1)
    wechat = next((c for c in config.comparisons if c.kind == "exact" and c.column == "wechat_id"), None)
    if wechat is not None:
        agree = agree | (levels[f"g_{wechat.name}"] == wechat.n_levels - 1)
    return differ & ~agree


def namesake_readings(
    cmp: PairColumns,
    config: LinkageConfig,
    personal_agree: np.ndarray,
    records: EncodedRecords | None,
    rec: pd.DataFrame | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """In one pass over the levels: namesake_pairs without `records` (any differing e-mails or phones: what keeps a
    pair out of the match edges) and with them (values of one kind only: what the chaining guard reads as two
    people)."""
    differ = np.zeros(len(cmp["l"]), dtype=bool)
    kinds_differ = np.zeros(len(cmp["l"]), dtype=bool)
    agree = personal_agree | near_birth_dates(cmp, config)
    for column in ("emails", "phones"):
        levels = comparison_levels(cmp, config, None, column)
        if levels is not None:
            apart = levels == 0
            differ |= apart
            if records is not None:  # kinds read by record and compared per pair: no copy of the pairs' sides
                apart &= ~other_kinds(cmp["l"], cmp["r"], column, records, rec)
            kinds_differ |= apart
            agree |= levels >= 1
    return differ & ~agree, kinds_differ & ~agree


def other_kinds(
    left: np.ndarray, right: np.ndarray, column: str, records: EncodedRecords, rec: pd.DataFrame | None
) -> np.ndarray:
    """Pairs whose records hold `column` values of no kind in common: a private mailbox beside a work one (emails:
    mailbox_kinds), a mobile beside a landline (phones, read from `rec`: contact_points.phone_kinds). One person's
    two, so their differing tells no two people apart. All False for a column whose kinds are not known."""
    if column == "emails" and "emails" in records.lists:
        kinds = mailbox_kinds(records)
        return (kinds[left] & kinds[right]) == 0
    if column == "phones" and rec is not None and len(left):
        kinds_left, kinds_right = phone_kinds(records, rec, left, right)
        return (kinds_left & kinds_right) == 0
    return np.zeros(len(left), dtype=bool)


PRIVATE, OTHER_DOMAIN = 1, 2  # bits of mailbox_kinds


def mailbox_kinds(records: EncodedRecords) -> np.ndarray:
    """Per record, the kinds of mailbox it holds as bits: PRIVATE (a consumer provider's) and OTHER_DOMAIN (an
    employer's, most often); 0 for none. Judged once per distinct address, kept in the records' cache."""
    cached = records.cache.get(("namesakes", "mailbox_kinds"))
    if cached is not None:
        return cached
    col = records.lists["emails"]
    used, inverse = np.unique(col.codes, return_inverse=True)
    private = np.fromiter(
        (is_consumer_mailbox(str(v)) for v in records.strings(used).tolist()), dtype=bool, count=len(used)
    )
    kinds = np.zeros(records.n, dtype=np.int8)
    np.bitwise_or.at(kinds, col.rids(), np.where(private, PRIVATE, OTHER_DOMAIN)[inverse].astype(np.int8))
    records.cache["namesakes", "mailbox_kinds"] = kinds
    return kinds


def guard_view(guard_weight: np.ndarray, namesake: np.ndarray) -> np.ndarray:
    """The chaining guard's weights with namesake pairs read as clearly different people (in place)."""
    np.minimum(guard_weight, NAMESAKE_WEIGHT, out=guard_weight, where=namesake)
    return guard_weight
