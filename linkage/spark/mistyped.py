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
from linkage.mistyped_emails import _indexable, _shapes, _typo_of


def typo_candidates(rec: pd.DataFrame, cannot: np.ndarray) -> np.ndarray:
    """Per record: no name, no phone, e-mails all held by no other record, no steward decision about it."""
    emails = rec["emails"].tolist()
    out = sole_mailboxes(emails, Counter(e for lst in emails for e in lst), rec["phones"], evidence_only(rec))
    if len(cannot):
        out[cannot.ravel()] = False
    return out


def typo_edges(rec: pd.DataFrame, lone: np.ndarray, names: dict[str, int]) -> np.ndarray:
    """(k, 2) rids: each `lone` record and every other record holding an e-mail its own is a typo of
    (linkage/mistyped_emails.py's rules; role mailboxes are filtered where the pass runs)."""
    emails = rec["emails"].tolist()
    # the lone mailboxes under their shapes, as attach_mistyped indexes them
    near: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for rid in np.flatnonzero(lone).tolist():
        for e in emails[rid]:
            if _indexable(e):
                for d in (-1, 0, 1):
                    for shape in _shapes(e, d):
                        near[shape].append((rid, e))
    edges: set[tuple[int, int]] = set()
    for rid in np.flatnonzero(~lone).tolist() if near else []:
        for owned in emails[rid]:
            if _indexable(owned):
                for other, typed in {t for shape in _shapes(owned) for t in near.get(shape, ())}:
                    if _typo_of(typed, owned, names):
                        edges.add((other, rid))
    return np.array(sorted(edges), dtype=np.int64).reshape(-1, 2)
