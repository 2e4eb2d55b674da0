"""Mistyped e-mails on Spark: folded into the connected components, so that each component attaches them where
the local engine does (attach_lone_records: after the evidence-only pass, before the named pass).

A record a mistyped e-mail can attach (`typo_candidates`: no name, no phone, every e-mail held by no other
record in the file) usually has no candidate pair at all. The driver finds, over the whole file, every record
holding a mailbox one keystroke from its e-mail (`typo_edges`); these edges join the components, so the lone
record and every customer it could lead to are resolved together, and each component runs the engine's own
mistyped-e-mail pass with the file's facts (which records hold e-mails no one else holds, how many records
hold each name). Whether it attaches (one customer only, a customer with a named record, the record still
alone after the evidence-only pass) is decided there, as in the local engine.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np
import pandas as pd

from linkage.contact_points import evidence_only, sole_mailboxes
from linkage.mistyped_emails import mistyped_mailboxes


def typo_candidates(rec: pd.DataFrame, cannot: np.ndarray) -> np.ndarray:
    """Per record: no name, no phone, e-mails all held by no other record, no steward decision about it."""
    emails = rec["emails"].tolist()
    out = sole_mailboxes(emails, Counter(e for lst in emails for e in lst), rec["phones"], evidence_only(rec))
    if len(cannot):
        out[cannot.ravel()] = False
    return out


def typo_edges(rec: pd.DataFrame, lone: np.ndarray, names: dict[str, int]) -> np.ndarray:
    """(k, 2) rids: each `lone` record and every other record holding an e-mail its own is a typo of
    (linkage/mistyped_emails.py's rules and shape index; role mailboxes are filtered where the pass runs)."""
    emails = rec["emails"].tolist()
    lone_boxes = {e for rid in np.flatnonzero(lone).tolist() for e in emails[rid]}
    holders: dict[str, list[int]] = defaultdict(list)  # a mailbox of a record that is not lone → its records
    for rid in np.flatnonzero(~lone).tolist() if lone_boxes else []:
        for owned in emails[rid]:
            holders[owned].append(rid)
    typo_of = mistyped_mailboxes(lone_boxes, holders, names)
    edges = {
        (rid, other)
        for rid in np.flatnonzero(lone).tolist()
        for typed in emails[rid]
        for owned in typo_of.get(typed, ())
        for other in holders[owned]
    }
    return np.array(sorted(edges), dtype=np.int64).reshape(-1, 2)
