"""Mistyped e-mails: a record that carries only an e-mail nobody else holds, one keystroke away from one
customer's personal mailbox, is that customer's.

People mistype their address on a survey or a campaign form ('qiagn.chen@outlook.com' for
'qiang.chen@outlook.com'); with nothing else on the row, an exact match finds nobody. One deleted, inserted
or swapped character of a local part of at least MIN_LOCAL characters, same domain, same digits (so
'wang.wei1' and 'wang.wei2', two people, stay apart; a replaced letter is not read as a typo:
'xiuying.xu' and 'xiuying.hu' are two people), leading to one customer only, attaches it. Found with
symmetric-delete keys: two strings one edit apart share a key made by deleting one character from each.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence

import numpy as np

MIN_LOCAL = 6
_DIGITS = re.compile(r"\d+")


def _keys(email: str) -> set[tuple[str, str, str]]:
    """(domain, digits, local part with one character deleted) for every deletion, and the whole local."""
    local, _, domain = email.partition("@")
    if len(local) < MIN_LOCAL or not domain:
        return set()
    digits = "".join(_DIGITS.findall(local))
    out = {(domain, digits, local)}
    out.update((domain, digits, local[:i] + local[i + 1 :]) for i in range(len(local)))
    return out


def _one_edit(a: str, b: str) -> bool:
    """One deleted or inserted character, or two neighbours swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):  # a swap of neighbours; a replaced letter may be another name (xu / hu)
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def attach_mistyped(
    emails: Sequence[Sequence[str]],
    labels: np.ndarray,
    lone: np.ndarray,
    owners: np.ndarray,
    personal: set[str],
) -> tuple[np.ndarray, int]:
    """Labels with each `lone` record (carrying e-mails only, held by no one else) attached to the one
    customer whose `personal` mailbox is one keystroke from its e-mail; `owners`: records whose mailboxes
    may be matched (those of named customers). Returns the labels and how many records were attached."""

    # Only mailboxes that can be one edit from a lone one: same domain, same first two characters, length
    # within one (a slip in the first two characters is not looked for), then same digits.
    def shape(email: str, extra: int = 0) -> str:
        local, _, domain = email.partition("@")
        return f"{domain}\x1f{local[:2]}\x1f{len(local) + extra}"

    near = {
        shape(e, d) for r in np.flatnonzero(lone).tolist() for e in emails[r] if _keys(e) for d in (-1, 0, 1)
    }
    index: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    holder: dict[str, set[int]] = defaultdict(set)
    for rid in np.flatnonzero(owners).tolist() if near else []:
        for email in emails[rid]:
            if email in personal and shape(email) in near:
                holder[email].add(int(labels[rid]))
                for key in _keys(email):
                    index[key].add(email)
    out = labels.copy()
    attached = 0
    for rid in np.flatnonzero(lone).tolist():
        targets: set[int] = set()
        for email in emails[rid]:
            near = {e for key in _keys(email) for e in index.get(key, ()) if _one_edit(email, e)}
            for e in near:
                targets |= holder[e]
        if len(targets) == 1:
            out[rid] = targets.pop()
            attached += 1
    return out, attached
