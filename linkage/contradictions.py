"""What the chaining guard reads as a contradiction: only disagreements that can tell two people apart.

Inside a customer every pair of records is scored (linkage/cluster.py), and a pair that shares only a family name
scores far below the veto (the prior alone is ≈ −13 bits). Whether it contradicts decides whether it counts: a pair
with nothing against it reads as 0. One person's records often disagree where their comparison could never agree:
a given name in English beside the Chinese one ('Leo Zhang', 张娟), a company in Chinese characters beside its
English name (广州博瑞贸易, Guangzhou Borui Trading), a private mailbox beside a work one, a desk landline beside a
mobile. Counted as contradictions, the CRM record holding only his English name, private mailbox and office phone
vetoes the record that holds both his mailboxes and his mobile joining the sales app's records of 张娟. A pair
whose every negative weight is of these kinds is read as no contradiction: the records of one person written
two ways join where something personal bridges them, and colleagues or namesakes still need that bridge.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from linkage.compare import PairColumns
from linkage.config import LinkageConfig
from linkage.contact_points import given_names_in_two_writings
from linkage.encode import EncodedRecords, sorted_unique
from linkage.namesakes import other_kinds
from linkage.standardise.chinese import has_han


def two_writings_only(
    rec: pd.DataFrame,
    records: EncodedRecords,
    cmp: PairColumns,
    config: LinkageConfig,
    score: Callable[[PairColumns], tuple[PairColumns, np.ndarray]],
    among: np.ndarray,
) -> np.ndarray:
    """Of the pairs `among` (indices), those whose every negative weight (`score`: the pairs' weights by
    comparison) is a given name or company in another writing, or e-mails or phones of other kinds."""
    pairs = {k: v[among] for k, v in cmp.items()}
    weights, _ = score(pairs)
    left, right = pairs["l"], pairs["r"]
    explained = np.ones(len(among), dtype=bool)
    for c in config.comparisons:
        negative = np.flatnonzero(explained & (weights[f"weight_{c.name}"] < 0))
        if not len(negative):
            continue
        a, b = left[negative], right[negative]
        if c.kind == "name" and c.column == "given":
            ok = given_names_in_two_writings(records, a, b)
        elif c.column == "company":
            ok = _companies_in_two_scripts(records, a, b)
        elif c.column in ("emails", "phones"):
            ok = other_kinds(a, b, c.column, records, rec)
        else:
            ok = np.zeros(len(negative), dtype=bool)
        explained[negative[~ok]] = False
    return explained


def _companies_in_two_scripts(records: EncodedRecords, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Pairs whose companies are written one in Chinese characters, the other without (its English name)."""
    company = records.scalars.get("company")
    if company is None:
        return np.zeros(len(left), dtype=bool)
    a, b = company[left], company[right]
    used = sorted_unique(np.concatenate([a, b]))
    han = np.array([has_han(str(v)) for v in records.strings(np.maximum(used, 0)).tolist()], dtype=bool)
    in_han = han[np.searchsorted(used, a)], han[np.searchsorted(used, b)]
    return (a >= 0) & (b >= 0) & (in_han[0] != in_han[1])
