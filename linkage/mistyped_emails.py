"""Mistyped e-mails: a record that carries only an e-mail nobody else holds, one keystroke away from one
customer's personal mailbox, is that customer's.

People mistype their address on a survey or a campaign form ('qiagn.chen@outlook.com' for
'qiang.chen@outlook.com', 'ynag.chen@…', 'qiang.chen1958@…' for '…1985@…'); with nothing else on the row,
an exact match finds nobody. One deleted, inserted or swapped character anywhere in a local part of at least
MIN_LOCAL characters, same domain, leading to one customer only, attaches it. A replaced character is not
read as a typo ('xiuying.xu' and 'xiuying.hu', 'wang.wei1' and 'wang.wei2' are two people), nor an edit
that turns one name the records hold into another ('xinyi.li' / 'xinyi.liu', 'ann.lee' / 'anna.lee'): a
name at least NAME_SHARE as common as the other (a common name typed wrong, 'yogn' for 'yong', recurs
in a large file, rarely). A slip in the
number of a mailbox ('zhangwei1985' / 'zhangwei195') is one only when the number has at least MIN_NUMBER
digits and the local part has letters besides: mailboxes that are numbers (a QQ number, a phone number) or
end in a short counter are dense, one digit away is someone else's.

Found by shape: one edit of a local part of MIN_LOCAL characters or more leaves its domain, its length within
one and its first or last two characters as they were, so each mailbox is checked only against the lone
mailboxes of its shapes.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from linkage.encode import flat_values

MIN_LOCAL = 6
MIN_NUMBER = 3  # digits a mailbox's number needs before a lost or swapped digit is read as a typo
MIN_LETTERS = 4  # characters besides the digits a local part needs for that
NAME_SHARE = 0.05  # records holding the rarer of two names, against the commoner, for both to be names
_DIGITS = re.compile(r"\d+")
_WORDS = re.compile(r"[^\W\d_]+")


def _indexable(email: str) -> bool:
    """A mailbox long enough for a typo to be read as one: MIN_LOCAL characters before a domain."""
    local, _, domain = email.partition("@")
    return len(local) >= MIN_LOCAL and bool(domain)


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
    i = 0  # deleting the first character that differs is as good as deleting any
    while i < len(short) and short[i] == long[i]:
        i += 1
    return long[i + 1 :] == short[i:]


def _same_number(a: str, b: str) -> bool:
    """Two local parts one edit apart name one mailbox: the edit left the digits alone, or it lost or swapped
    a digit of a number of MIN_NUMBER digits or more in a local part with MIN_LETTERS other characters."""
    da, db = "".join(_DIGITS.findall(a)), "".join(_DIGITS.findall(b))
    if da == db:
        return True
    rest = _DIGITS.sub("", a)
    return rest == _DIGITS.sub("", b) and len(rest) >= MIN_LETTERS and max(len(da), len(db)) >= MIN_NUMBER


def _another_name(a: str, b: str, names: Mapping[str, int]) -> bool:
    """The edit changed one word of the local part into another, and both are names records hold, the
    rarer on at least NAME_SHARE as many records as the commoner."""
    wa, wb = _WORDS.findall(a), _WORDS.findall(b)
    if len(wa) != len(wb):
        return False
    diff = [(x, y) for x, y in zip(wa, wb, strict=True) if x != y]
    if len(diff) != 1:
        return False
    held = sorted((names.get(diff[0][0], 0), names.get(diff[0][1], 0)))
    return held[0] > 0 and held[0] >= NAME_SHARE * held[1]


def _typo_of(typed: str, owned: str, names: Mapping[str, int]) -> bool:
    local_t, _, domain_t = typed.partition("@")
    local_o, _, domain_o = owned.partition("@")
    return (
        domain_t == domain_o
        and _one_edit(local_t, local_o)
        and _same_number(local_t, local_o)
        and not _another_name(local_t, local_o, names)
    )


def _shapes(email: str, extra: int = 0) -> tuple[str, str]:
    """(domain, first two characters, length) and (domain, last two characters, length): one edit of a local
    part of MIN_LOCAL characters or more leaves one of the two ends as it was."""
    local, _, domain = email.partition("@")
    size = len(local) + extra
    return f"{domain}\x1f^{local[:2]}\x1f{size}", f"{domain}\x1f{local[-2:]}$\x1f{size}"


def mistyped_mailboxes(
    lone: Iterable[str], owned: Iterable[str], names: Mapping[str, int]
) -> dict[str, set[str]]:
    """Each `lone` mailbox → the `owned` mailboxes it is a typo of. Each lone mailbox is indexed under its
    shapes: a mailbox one edit from it shares its domain, its length within one, and its first or last two
    characters (a plain pass over every owned mailbox, _typo_of only for those)."""
    near = shape_index(lone)
    typo_of: dict[str, set[str]] = defaultdict(set)
    for mailbox in near_shapes(list(owned), near) if near else ():
        if _indexable(mailbox):
            for typed in {t for shape in _shapes(mailbox) for t in near.get(shape, ())}:
                if _typo_of(typed, mailbox, names):
                    typo_of[typed].add(mailbox)
    return typo_of


def half_keys(mailboxes: Iterable[str]) -> pd.DataFrame:
    """`key`, `mailbox`: each key (_halves) of each distinct mailbox long enough for a typo; in Arrow for those
    in ASCII (whose byte slices are characters), by _halves for the others: many lone mailboxes against a few
    thousand owned ones (typos_in) without a Python pass over each."""
    distinct = [e for e in dict.fromkeys(mailboxes) if isinstance(e, str)]
    boxes = pa.array(distinct, pa.string())
    parts = pc.extract_regex(boxes, r"(?s)^(?P<local>[^@]*)@(?P<domain>.+)$")
    local, domain = pc.struct_field(parts, 0), pc.struct_field(parts, 1)
    size = pc.binary_length(local).fill_null(0).to_numpy(zero_copy_only=False)
    ascii = pc.string_is_ascii(boxes).to_numpy(zero_copy_only=False)
    rest = [b for b, a in zip(distinct, ascii, strict=True) if not a and _indexable(b)]
    keys = [pa.array([k for b in rest for k in _halves(b)], pa.string())]
    owners = [pa.array([b for b in rest for _ in range(6)], pa.string())]
    for d in (-1, 0, 1):
        short, long = size + min(d, 0), size + max(d, 0)
        half = np.maximum((short - 1) // 2, 1)
        for h in np.unique(half[ascii & (size >= MIN_LOCAL)]).tolist():
            rows = pa.array(np.flatnonzero(ascii & (size >= MIN_LOCAL) & (half == h)))
            mine = pc.take(local, rows)
            lengths = pc.binary_join_element_wise(
                pc.cast(pa.array(short[rows.to_numpy()]), pa.string()),
                pc.cast(pa.array(long[rows.to_numpy()]), pa.string()),
                "|",
            )
            for end in (
                pc.binary_join_element_wise("^", pc.utf8_slice_codeunits(mine, 0, h), ""),
                pc.binary_join_element_wise(pc.utf8_slice_codeunits(mine, -h, 1 << 30), "$", ""),
            ):
                keys.append(pc.binary_join_element_wise(pc.take(domain, rows), lengths, end, "\x1f"))
                owners.append(pc.take(boxes, rows))
    return pd.DataFrame(
        {
            "key": pa.chunked_array(keys, pa.string()).to_numpy(zero_copy_only=False),
            "mailbox": pa.chunked_array(owners, pa.string()).to_numpy(zero_copy_only=False),
        }
    )


def typos_in(lone: pd.DataFrame, owned: Iterable[str]) -> set[str]:
    """The lone mailboxes of `lone` (half_keys) that are a typo of an `owned` one, the names' rule left out: a
    superset of what mistyped_mailboxes finds."""
    pairs = lone.merge(half_keys(owned), on="key", suffixes=("", "_owned"))
    near = set(zip(pairs["mailbox"].tolist(), pairs["mailbox_owned"].tolist(), strict=True))
    return {typed for typed, mailbox in near if _typo_of(typed, mailbox, {})}


def _halves(email: str) -> Iterator[str]:
    """Keys a mailbox one edit from `email` shares with it: for each length the other may have (within one), the
    domain, both lengths and the first or the last (shorter length - 1) // 2 characters of the local part (an
    insertion, a deletion or a swap of neighbours leaves one of the two as it was)."""
    local, _, domain = email.partition("@")
    for other in (len(local) - 1, len(local), len(local) + 1):
        short, long = sorted((len(local), other))
        half = max((short - 1) // 2, 1)
        yield f"{domain}\x1f{short}|{long}\x1f^{local[:half]}"
        yield f"{domain}\x1f{short}|{long}\x1f{local[-half:]}$"


def shape_index(lone: Iterable[str]) -> dict[str, list[str]]:
    """Each shape a mailbox one edit from a `lone` one may have → those lone mailboxes."""
    near: dict[str, list[str]] = defaultdict(list)
    for email in {e for e in lone if _indexable(e)}:
        for d in (-1, 0, 1):
            for shape in _shapes(email, d):
                near[shape].append(email)
    return near


@dataclass(frozen=True)
class MailboxShapes:
    """What near_shapes reads of each of a list of mailboxes, in Arrow: the two shapes it may be found under
    (domain, first or last two characters of the local part, its length in bytes), whether its local part is
    long enough and parsed, and whether it is kept whatever its shapes (not ASCII, or not parsed)."""

    first: pa.Array
    last: pa.Array
    long_enough: pa.Array
    parsed: pa.Array
    kept: pa.Array


def mailbox_shapes(owned: list[str]) -> MailboxShapes:
    """near_shapes' reading of `owned`, once for a list asked about several times (an incremental night's
    closure rounds ask about the file's mailboxes each time they run out of pairs)."""
    boxes = pa.array(owned, pa.string())
    parts = pc.extract_regex(boxes, r"(?s)^(?P<local>[^@]*)@(?P<domain>.+)$")
    local, domain = pc.struct_field(parts, 0), pc.struct_field(parts, 1)
    size = pc.cast(pc.binary_length(local), pa.string())
    first = pc.binary_join_element_wise("^", pc.utf8_slice_codeunits(local, 0, 2), "")
    last = pc.binary_join_element_wise(pc.utf8_slice_codeunits(local, -2, 1 << 30), "$", "")
    return MailboxShapes(
        first=pc.binary_join_element_wise(domain, first, size, "\x1f"),
        last=pc.binary_join_element_wise(domain, last, size, "\x1f"),
        long_enough=pc.greater_equal(pc.binary_length(local), MIN_LOCAL),
        parsed=parts.is_valid(),
        kept=pc.invert(pc.string_is_ascii(boxes)),
    )


def near_shapes(
    owned: list[str], near: Mapping[str, object], shapes: MailboxShapes | None = None
) -> list[str]:
    """The `owned` mailboxes (in their order) that may have a shape `near` holds, told in Arrow: the file's
    personal mailboxes (~150k at 540k records) against a night's few lone ones, without a Python pass over
    each. A superset of those whose _shapes `near` holds: mailboxes not in ASCII are all kept (a shape counts
    characters, Arrow's slices and lengths here count bytes), as are those Arrow cannot split. `shapes`:
    mailbox_shapes(owned), when it is at hand."""
    shapes = mailbox_shapes(owned) if shapes is None else shapes
    wanted = pa.array(list(near), pa.string())
    hit = pc.or_(pc.is_in(shapes.first, value_set=wanted), pc.is_in(shapes.last, value_set=wanted))
    hit = pc.and_(hit, shapes.long_enough)
    keep = pc.fill_null(pc.or_kleene(pc.and_kleene(hit, shapes.parsed), shapes.kept), True)
    return [owned[i] for i in np.flatnonzero(keep.to_numpy(zero_copy_only=False)).tolist()]


def _holders(
    emails: Sequence[Sequence[str]], labels: np.ndarray, owners: np.ndarray, wanted: set[str]
) -> dict[str, set[int]]:
    """Each `wanted` mailbox → the customers (labels) of the `owners` records holding it: the whole file's
    mailboxes looked up at once, a Python set only for the few wanted."""
    holder: dict[str, set[int]] = defaultdict(set)
    if not wanted:
        return holder
    lengths = np.fromiter(map(len, emails), dtype=np.int64, count=len(emails))
    flat = flat_values(list(emails), int(lengths.sum()))
    rid = np.repeat(np.arange(len(emails), dtype=np.int64), lengths)
    hit = np.flatnonzero(owners[rid] & pd.Index(flat).isin(list(wanted)))
    for email, label in zip(flat[hit].tolist(), labels[rid[hit]].tolist(), strict=True):
        holder[email].add(int(label))
    return holder


def attach_mistyped(
    emails: Sequence[Sequence[str]],
    labels: np.ndarray,
    lone: np.ndarray,
    owners: np.ndarray,
    personal: set[str],
    names: Mapping[str, int] | None = None,
) -> tuple[np.ndarray, int]:
    """Labels with each `lone` record (carrying e-mails only, held by no one else) attached to the one
    customer whose `personal` mailbox is one keystroke from its e-mail; `owners`: records whose mailboxes
    may be matched (those of named customers); `names`: how many records hold each family and given name
    (Latin letters, lower case). Returns the labels and how many records were attached."""
    names = names or {}
    lone_boxes = {e for r in np.flatnonzero(lone).tolist() for e in emails[r]}
    typo_of = mistyped_mailboxes(lone_boxes, personal, names)  # lone mailbox → the personal ones it mistypes
    holder = _holders(emails, labels, owners, {e for found in typo_of.values() for e in found})
    out = labels.copy()
    attached = 0
    for rid in np.flatnonzero(lone).tolist():
        targets = {c for email in emails[rid] for e in typo_of.get(email, ()) for c in holder[e]}
        if len(targets) == 1:
            out[rid] = targets.pop()
            attached += 1
    return out, attached
