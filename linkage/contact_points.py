"""Contact points: which e-mails and phones are one person's, and records that carry nothing else.

A personal value (a private mailbox, a mobile) names one person; a shared one (info@ and sales@ mailboxes, a
company switchboard, a household landline, a mobile two clearly different named people give) does not.
A value is shared when its local part is a role, its phone type is not a personal one, or two records that
hold it carry clearly different names (a phone also when they carry different Chinese given names and
personal e-mails of their own: a family's one mobile). Names are told apart only in writings the keys compare:
kanji beside romaji (高橋 誠, Makoto Takahashi) may be one person's two names. Romaji that spells pinyin syllables
(田中彩 beside Aya Tanaka) is such a writing too where the other kind of contact point does not differ; the pair's
names are then compared as missing (unread_names_as_missing).

A record that carries a contact point and no name (a campaign member known by an e-mail only, a service call
logged with the calling number) cannot be scored like a contact: agreement on one rare value is ≈10 bits,
against a prior of one match among all record pairs. But the question for such a record is not "which of all
records is it" but "whose is this value": when the value is personal and the records holding it form one
customer, the record is that customer's. It is attached to that customer after clustering; when its values
lead to two customers it stays on its own (ambiguous), and it is never a bridge between two customers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from itertools import chain

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from linkage.arrow_columns import list_lengths
from linkage.compare import PairColumns, shared_values
from linkage.config import LinkageConfig
from linkage.encode import (
    EncodedRecords,
    dense_labels,
    flat_values,
    holder_counts,
    in_sorted,
    isin,
    sorted_unique,
)
from linkage.mistyped_emails import (
    MailboxShapes,
    attach_mistyped,
    half_keys,
    mailbox_shapes,
    mistyped_mailboxes,
    near_shapes,
    shape_index,
    typos_in,
)
from linkage.standardise.chinese import has_han, reads_as_pinyin
from linkage.standardise.names import has_other_script
from linkage.standardise.phone import phone_kind

# Mailboxes of a role, not a person (RFC 2142 and common practice, English and Chinese pinyin).
ROLE_LOCAL_PARTS = frozenset(
    {
        "info", "sales", "service", "services", "support", "contact", "contactus", "admin", "office", "hr",
        "jobs", "careers", "marketing", "enquiries", "enquiry", "inquiry", "hello", "team", "mail", "help",
        "billing", "accounts", "finance", "orders", "order", "shop", "store", "webmaster", "postmaster",
        "customerservice", "cs", "kefu", "service-cn", "business", "press", "media", "reception", "general",
    }
)  # fmt: skip
PERSONAL_PHONE_TYPES = frozenset({"mobile", "fixed_or_mobile", "personal"})
_LIST_TYPES = (list, tuple, np.ndarray)
# A value more records hold than this is no one person's, whatever the names say (they may be missing).
MAX_HOLDERS = 12
# Probability recorded for an attachment: a personal value held by one customer (a reassigned number or a
# typo'd address are the way it can be wrong).
CONTACT_POINT_PROBABILITY = 0.99


def comparison_levels(
    cmp: PairColumns, config: LinkageConfig, kind: str | None, column: str
) -> np.ndarray | None:
    """The pairs' levels in the comparison of `column` (of `kind`, any kind when None); None without one."""
    for c in config.comparisons:
        if (kind is None or c.kind == kind) and c.column == column:
            return cmp[f"g_{c.name}"]
    return None


def near_birth_dates(cmp: PairColumns, config: LinkageConfig) -> np.ndarray:
    """Pairs with the same or nearly the same birth date (any level above disagree); all False without one."""
    birth = comparison_levels(cmp, config, None, "birth_date")
    return birth >= 1 if birth is not None else np.zeros(len(cmp["l"]), dtype=bool)


def top_level(cmp: PairColumns, config: LinkageConfig, kind: str, column: str) -> np.ndarray:
    """Pairs at the top level (exact) of the comparison of `column`; all False without one."""
    for c in config.comparisons:
        if c.kind == kind and c.column == column:
            return cmp[f"g_{c.name}"] == c.n_levels - 1
    return np.zeros(len(cmp["l"]), dtype=bool)


def shared_in_pairs(
    records: EncodedRecords, cmp: PairColumns, config: LinkageConfig, column: str
) -> tuple[np.ndarray, np.ndarray]:
    """compare.shared_values of the pairs `cmp` in list column `column`: looked up only among the pairs its
    overlap comparison put at the top level (those sharing a value: a few of the candidates) when there is
    one."""
    col = records.lists[column]
    for c in config.comparisons:
        if c.kind == "overlap" and c.column == column:
            at = np.flatnonzero(cmp[f"g_{c.name}"] == c.n_levels - 1)
            pair, code = shared_values(col, cmp["l"][at], cmp["r"][at])
            return at[pair], code
    return shared_values(col, cmp["l"], cmp["r"])


def different_given_names(cmp: PairColumns, config: LinkageConfig) -> np.ndarray:
    """Pairs whose given names are both present and clearly different (the lowest level)."""
    given = comparison_levels(cmp, config, "name", "given")
    return np.zeros(len(cmp["l"]), dtype=bool) if given is None else given == 0


def _same_letters(records: EncodedRecords, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Pairs whose family + given keys spell the same letters, in either order ('ou yangjiaqi' and
    'ouyang jiaqi': a compound family name split in another place)."""
    s = records.scalars
    if "family_key" not in s or "given_key" not in s:
        return np.zeros(len(left), dtype=bool)
    # The spelling of each distinct (family, given) pair, family first and given first, as one code each.
    rows = sorted_unique(np.concatenate([left, right]))
    pair = (s["family_key"][rows] + 1) * (len(records.vocab) + 1) + s["given_key"][rows] + 1
    _, first, combo = np.unique(pair, return_index=True, return_inverse=True)
    family, given = s["family_key"][rows[first]], s["given_key"][rows[first]]

    def spelled(a: np.ndarray, b: np.ndarray) -> list[str]:
        return [
            ((records.vocab[x] if x >= 0 else "") + (records.vocab[y] if y >= 0 else "")).replace(" ", "")
            for x, y in zip(a.tolist(), b.tolist(), strict=True)
        ]

    codes = pd.factorize(np.array(spelled(family, given) + spelled(given, family), dtype=object))[0]
    family_first, given_first = np.full(records.n, -1), np.full(records.n, -1)
    family_first[rows], given_first[rows] = codes[: len(first)][combo], codes[len(first) :][combo]
    fl, fr, gr = family_first[left], family_first[right], given_first[right]
    return (fl == fr) | (fl == gr)


def different_people_by_name(records: EncodedRecords, cmp: PairColumns, config: LinkageConfig) -> np.ndarray:
    """Pairs that are clearly two people by name: different given names, and a different family name or
    gender (so 'Kevin Zhang' and 'Wei Zhang', one man with an English name, are not two people), or two
    given names in Hanzi with no character in common (朱雨玲 and 朱娜, a mother and her daughter: one
    person's English name is never in Hanzi), unless the whole names spell the same."""
    family = comparison_levels(cmp, config, "name", "family")
    gender = comparison_levels(cmp, config, "exact", "gender")
    other = np.zeros(len(cmp["l"]), dtype=bool)
    for g in (family, gender):
        if g is not None:
            other |= g == 0
    given = different_given_names(cmp, config)
    out = given & other
    idx = np.flatnonzero(given & ~other)
    out[idx[_no_hanzi_in_common(records, cmp["l"][idx], cmp["r"][idx])]] = True
    idx = np.flatnonzero(out)
    out[idx[_same_letters(records, cmp["l"][idx], cmp["r"][idx])]] = False
    idx = np.flatnonzero(out)
    out[idx[~_comparable_scripts(records, cmp["l"][idx], cmp["r"][idx])]] = False
    return out


HANZI, PINYIN = 1, 2  # a given name's script (_script)
LATIN, OTHER_SCRIPT = 3, 4  # besides those (_writing): Latin that is no pinyin ('Makoto'), kana, hangul…
HANZI_WIDTH = (
    4  # the longest Hanzi given name compared by its characters (a longer one is never judged apart)
)
_PAIR_CHUNK = 1 << 19  # pairs whose characters are compared at once


def _script(name: str) -> int:
    """HANZI for a name in Chinese characters, PINYIN for one that reads as pinyin ('haoran'; not 'Kevin',
    'Helen'), 0 otherwise."""
    return HANZI if has_han(name) else PINYIN if reads_as_pinyin(name) else 0


def _given_names(records: EncodedRecords) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per vocabulary code, the _script of the given name it is (0: none); the characters of each Hanzi given
    name of up to HANZI_WIDTH (a row of code points, 0-padded) and each code's row (-1: none). Judged once per
    distinct name, kept in the records' cache (an incremental night asks every round)."""
    cached = records.cache.get(("given_names", "scripts"))
    if cached is not None:
        return cached
    given = records.scalars.get("given_name", np.empty(0, dtype=np.int64))
    used = sorted_unique(given[given >= 0])
    names = [str(n) for n in records.strings(used).tolist()]
    script = np.zeros(len(records.vocab), dtype=np.int8)
    script[used] = np.fromiter((_script(n) for n in names), dtype=np.int8, count=len(names))
    han = [i for i, n in enumerate(names) if script[used[i]] == HANZI and len(n) <= HANZI_WIDTH]
    chars = np.zeros((len(han), HANZI_WIDTH), dtype=np.uint32)
    for r, i in enumerate(han):
        chars[r, : len(names[i])] = [ord(c) for c in names[i]]
    row = np.full(len(records.vocab), -1, dtype=np.int32)
    row[used[han]] = np.arange(len(han), dtype=np.int32)
    records.cache["given_names", "scripts"] = script, chars, row
    return script, chars, row


def _writing(records: EncodedRecords) -> np.ndarray:
    """Per vocabulary code, how the given name it is is written: HANZI, PINYIN, LATIN (Latin letters that
    read as no pinyin: 'Makoto', 'Chia-Hao', 'Kevin') or OTHER_SCRIPT (kana, hangul…); 0 for no given name."""
    cached = records.cache.get(("given_names", "writing"))
    if cached is not None:
        return cached
    script, _, _ = _given_names(records)
    writing = script.copy()
    given = records.scalars.get("given_name", np.empty(0, dtype=np.int64))
    used = sorted_unique(given[given >= 0])
    rest = used[script[used] == 0]
    # no Han letter in these (their _script is 0): Latin unless another script's letter is there
    writing[rest] = [
        OTHER_SCRIPT if has_other_script(str(n)) else LATIN for n in records.strings(rest).tolist()
    ]
    records.cache["given_names", "writing"] = writing
    return writing


def _comparable_scripts(records: EncodedRecords, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Pairs whose given names are written so that their levels can tell two people apart: in one script, Hanzi
    beside pinyin (the keys read Hanzi as pinyin) or pinyin beside other Latin. A Hanzi name beside Latin that
    reads as no pinyin (romaji 'Makoto' for 誠, Wade-Giles 'I-Chih' for 怡志, an English name) and a name in
    kana or hangul beside a Latin one may be one person's two names: levels apart there are no contradiction."""
    wa, wb = _of_given_names(records, _writing(records), left, right)
    lo, hi = np.minimum(wa, wb), np.maximum(wa, wb)
    return (lo == hi) | ((lo == HANZI) & (hi == PINYIN)) | ((lo == PINYIN) & (hi == LATIN))


def given_names_in_two_writings(records: EncodedRecords, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Pairs whose given names may be one person's two names (_comparable_scripts: Hanzi beside an English or
    romaji one, kana or hangul beside Latin): levels apart there tell no two people apart."""
    return ~_comparable_scripts(records, left, right)


def one_name_two_writings(
    records: EncodedRecords, cmp: PairColumns, config: LinkageConfig, among: np.ndarray
) -> np.ndarray:
    """Of the pairs `among` (a mask: those sharing a personal value, all attach_lone_records reads), those with the
    same family name (the top level) and given names in two writings (Leo beside 娟)."""
    out = among & top_level(cmp, config, "name", "family")
    idx = np.flatnonzero(out)
    out[idx] = given_names_in_two_writings(records, cmp["l"][idx], cmp["r"][idx])
    return out


MOBILE_KIND, LANDLINE_KIND = 1, 2  # bits of phone_kinds


def phone_kinds(records: EncodedRecords, rec: pd.DataFrame, *rows: np.ndarray) -> list[np.ndarray]:
    """For each array of record indices `rows`, the kinds of phone its records hold as bits: MOBILE_KIND (a
    personal type) and LANDLINE_KIND (any other: a desk, home or switchboard number); both where its types are
    not known, 0 for none. Each record is read once a night (records' cache; -1: not read yet), and only the
    records asked for: an incremental night holds the stored records' phones in Arrow."""
    known = records.cache.get(("contact_points", "phone_kinds"))
    if known is None:
        known = records.cache[("contact_points", "phone_kinds")] = np.full(len(rec), -1, dtype=np.int8)
    asked = np.zeros(len(rec), dtype=bool)
    for r in rows:
        asked[r] = True
    unread = np.flatnonzero(asked & (known < 0))
    if len(unread):
        known[unread] = _phone_kinds(rec, unread)
    return [known[r] for r in rows]


def _phone_kinds(rec: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    phones = rec["phones"].iloc[rows].tolist()
    kinds = rec["phone_types"].iloc[rows].tolist() if "phone_types" in rec else [None] * len(rows)
    out = np.zeros(len(rows), dtype=np.int8)
    for i, (numbers, types) in enumerate(zip(phones, kinds, strict=True)):
        if not len(numbers):
            continue
        if not isinstance(types, _LIST_TYPES) or len(types) != len(numbers) or any(t is None for t in types):
            out[i] = MOBILE_KIND | LANDLINE_KIND
            continue
        for t in types:
            out[i] |= MOBILE_KIND if t in PERSONAL_PHONE_TYPES else LANDLINE_KIND
    return out


def _given_codes(
    records: EncodedRecords, left: np.ndarray, right: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The canonical given names' codes of the pairs' records (-1: none)."""
    given = records.scalars.get("given_name")
    if given is None:
        return np.full(len(left), -1, dtype=np.int64), np.full(len(right), -1, dtype=np.int64)
    return given[left], given[right]


def _of_given_names(
    records: EncodedRecords, per_code: np.ndarray, left: np.ndarray, right: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """`per_code` (a value per vocabulary code) of the given names of the pairs' records; 0 where none."""
    a, b = _given_codes(records, left, right)
    return tuple(np.where(c >= 0, per_code[np.maximum(c, 0)], 0) for c in (a, b))  # type: ignore[return-value]


def _no_hanzi_in_common(records: EncodedRecords, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Pairs whose given names are both in Hanzi and share no character (海燕 and 梅燕 may be one mistyped
    name), compared as rows of code points in chunks (no Python per pair, a bounded temporary)."""
    _, chars, row = _given_names(records)
    a, b = _given_codes(records, left, right)
    out = np.zeros(len(left), dtype=bool)
    idx = np.flatnonzero((a >= 0) & (b >= 0))
    ra, rb = row[a[idx]], row[b[idx]]
    keep = (ra >= 0) & (rb >= 0)
    idx, ra, rb = idx[keep], ra[keep], rb[keep]
    for start in range(0, len(idx), _PAIR_CHUNK):
        x, y = chars[ra[start : start + _PAIR_CHUNK]], chars[rb[start : start + _PAIR_CHUNK]]
        common = np.zeros(len(x), dtype=bool)
        for i in range(HANZI_WIDTH):
            for j in range(HANZI_WIDTH):
                common |= (x[:, i] == y[:, j]) & (x[:, i] > 0)
        out[idx[start : start + _PAIR_CHUNK]] = ~common
    return out


def _chinese_given(records: EncodedRecords, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Pairs whose given names read as Chinese ones in the same script: both in Hanzi, or both in pinyin. Hanzi
    beside Latin is left out: that is how an English name stands beside the Chinese one ('Linda' reads as
    pinyin)."""
    sa, sb = _of_given_names(records, _given_names(records)[0], left, right)
    return (sa == sb) & (sa > 0)


def two_mailboxes(
    records: EncodedRecords, cmp: PairColumns, config: LinkageConfig, personal_emails: np.ndarray
) -> np.ndarray:
    """Pairs that are two people sharing a phone: clearly different given names that both read as Chinese
    (_chinese_given: a father and his son in pinyin), each record with a personal e-mail (`personal_emails`:
    per code) and none in common, unless the whole names spell the same. An English name beside a Chinese
    one ('Kevin' and 'Wei') is left to the names' rule: one man's two names and two mailboxes."""
    out = np.zeros(len(cmp["l"]), dtype=bool)
    emails = comparison_levels(cmp, config, None, "emails")
    if emails is None or "emails" not in records.lists:
        return out
    col = records.lists["emails"]
    holds = np.zeros(records.n, dtype=bool)
    holds[col.rids()[personal_emails[col.codes]]] = True
    left, right = cmp["l"], cmp["r"]
    idx = np.flatnonzero(different_given_names(cmp, config) & (emails == 0) & holds[left] & holds[right])
    idx = idx[_chinese_given(records, left[idx], right[idx])]
    out[idx[~_same_letters(records, left[idx], right[idx])]] = True
    return out


def unread_writings(records: EncodedRecords, cmp: PairColumns, config: LinkageConfig) -> np.ndarray:
    """Pairs of a Hanzi name beside a Latin one that matches none of its readings (pinyin, Cantonese, Wade-Giles)
    in given nor family name: 田中彩 beside 'Aya Tanaka' (the keys read the kanji as 'tianzhong cai'). Romaji often
    spells pinyin syllables ('aya', 'kazuya', 'tanaka'), so such names may be one person's two writings as well as
    two Chinese people's (王秀英 beside 'Na Li'): only their contact points tell which."""
    out = different_given_names(cmp, config)
    family = comparison_levels(cmp, config, "name", "family")
    if family is not None:
        out &= family <= 0
    idx = np.flatnonzero(out)
    wa, wb = _of_given_names(records, _writing(records), cmp["l"][idx], cmp["r"][idx])
    lo, hi = np.minimum(wa, wb), np.maximum(wa, wb)
    out[idx] = (lo == HANZI) & ((hi == PINYIN) | (hi == LATIN))
    return out


def unread_names_as_missing(
    records: EncodedRecords, cmp: PairColumns, config: LinkageConfig, agree: np.ndarray
) -> np.ndarray:
    """The pairs of unread_writings that share a personal value (`agree`: personal_agreement), their name levels set
    to missing (-1) in `cmp` (in place): two writings the keys cannot read are no evidence against one person (田中彩
    and 'Aya Tanaka' on one mailbox and mobile), and the pair is scored on the rest."""
    idx = np.flatnonzero(agree)
    idx = idx[unread_writings(records, {k: v[idx] for k, v in cmp.items()}, config)]
    for c in config.comparisons:
        if c.kind == "name":
            cmp[f"g_{c.name}"][idx] = -1
    return idx


@dataclass
class PersonalValues:
    """Per vocabulary code: True where the e-mail / phone value is personal; `shared`: per list column, the
    (pair, code) of every value both records of a candidate pair hold (computed once, used twice)."""

    emails: np.ndarray
    phones: np.ndarray
    shared: dict[str, tuple[np.ndarray, np.ndarray]]


def _phone_types(rec: pd.DataFrame) -> dict[str, str]:
    """Phone value → type, from the person records' phone_types (computed when they are absent); a number
    one record types as personal and another as a landline (its home phone) is a landline: the first
    type that is not a personal one, else the last."""
    if "phone_types" not in rec:
        return {}
    typed = [
        (phones, kinds)
        for phones, kinds in zip(rec["phones"].tolist(), rec["phone_types"].tolist(), strict=True)
        if isinstance(kinds, _LIST_TYPES) and len(kinds) == len(phones)
    ]
    phones = list(chain.from_iterable(p for p, _ in typed))
    kinds = list(chain.from_iterable(k for _, k in typed))
    out = dict(zip(phones, kinds, strict=True))  # the last type given
    shared = [
        (p, k) for p, k in zip(phones, kinds, strict=True) if k is not None and k not in PERSONAL_PHONE_TYPES
    ]
    out.update(reversed(shared))  # the first shared type given, if any
    return out


def personal_values(
    rec: pd.DataFrame,
    records: EncodedRecords,
    cmp: PairColumns,
    config: LinkageConfig,
    within: np.ndarray | None = None,
) -> PersonalValues:
    """Which e-mail and phone codes are personal: not a role mailbox, a personal phone type, held by at
    most MAX_HOLDERS records, and no candidate pair holding it is clearly two people by name (a phone: nor
    by names and mailboxes, two_mailboxes). `within` (bool per record, holding every record of `cmp`): only
    the values these records hold are judged (an incremental night), from every record holding them."""
    size = len(records.vocab)
    two_people = different_people_by_name(records, cmp, config)
    # names the keys cannot read beside each other: a value both hold is two people's only where the other kind
    # of contact point differs (a household's mailbox beside a mobile each, a mobile beside a mailbox each)
    unread = two_people & unread_writings(records, cmp, config)
    two_people &= ~unread
    out, shared = [], {}
    for column in ("emails", "phones"):
        ok = np.zeros(size, dtype=bool)
        if column not in records.lists:
            out.append(ok)
            continue
        col = records.lists[column]
        used = sorted_unique(col.codes if within is None else col.codes[within[col.rids()]])
        values = records.vocab[used]
        if column == "emails":
            kind_ok = np.array([str(v).split("@", 1)[0] not in ROLE_LOCAL_PARTS for v in values], dtype=bool)
        else:
            holding = None if within is None else np.unique(col.rids()[isin(col.codes, used)])
            known = _phone_types(rec if holding is None else rec.iloc[holding])
            kind_ok = np.array(
                [(known.get(v) or phone_kind(str(v))) in PERSONAL_PHONE_TYPES for v in values], dtype=bool
            )
        ok[used] = kind_ok
        ok &= holder_counts(records, column) <= MAX_HOLDERS
        pair, code = shared[column] = shared_in_pairs(records, cmp, config, column)
        if column == "phones":  # a phone held by two people with mailboxes of their own
            two_people = two_people | two_mailboxes(records, cmp, config, out[0])
        other = comparison_levels(cmp, config, None, "phones" if column == "emails" else "emails")
        apart = two_people | (unread if other is None else unread & (other == 0))
        ok[code[apart[pair]]] = False
        out.append(ok)
    return PersonalValues(*out, shared=shared)


def personal_agreement(
    records: EncodedRecords, cmp: PairColumns, config: LinkageConfig, personal: PersonalValues
) -> np.ndarray:
    """Pairs that share a personal e-mail or phone, or the same WeChat id."""
    agree = top_level(cmp, config, "exact", "wechat_id")
    for column, ok in (("emails", personal.emails), ("phones", personal.phones)):
        if column in personal.shared:
            pair, code = personal.shared[column]
            agree[pair[ok[code]]] = True
    return agree


def evidence_only(rec: pd.DataFrame, contact: np.ndarray | None = None) -> np.ndarray:
    """Records carrying a contact point (e-mail, phone, WeChat id) and no name (`contact`: _contact(rec),
    when the caller has it)."""
    return ~_named(rec) & (_contact(rec) if contact is None else contact)


def _named(rec: pd.DataFrame) -> np.ndarray:
    return rec["family_key"].notna().to_numpy() | rec["given_key"].notna().to_numpy()


# Besides a name, one of these makes a record linkable (a name alone is anyone's).
NAME_COMPANIONS = ("birth_date", "address_norm", "postcode", "city_key", "company")


def identifiable(rec: pd.DataFrame) -> np.ndarray:
    """Records with a usable identifier: a contact point, or a name and something else about the person.
    The others (a service call logged with a placeholder number, an order line with nothing but a product)
    are never paired: they stay customers of their own, counted as unlinkable."""
    named, contact = _named(rec), _contact(rec)
    companion = np.zeros(len(rec), dtype=bool)
    for column in NAME_COMPANIONS:
        if column in rec:
            companion |= rec[column].notna().to_numpy()
    return (~named & contact) | (named & (companion | contact))


def _lengths(values: pd.Series) -> np.ndarray:
    """len() of each record's list (an Arrow-backed column's from its offsets: linkage/arrow_columns.py)."""
    if isinstance(values.dtype, pd.ArrowDtype):
        return list_lengths(values)
    return np.fromiter(map(len, values.tolist()), dtype=np.int64, count=len(values))


def _contact(rec: pd.DataFrame) -> np.ndarray:
    contact = (_lengths(rec["emails"]) > 0) | (_lengths(rec["phones"]) > 0)
    return contact | (rec["wechat_id"].notna().to_numpy() if "wechat_id" in rec else False)


@dataclass
class Attachments:
    labels: np.ndarray  # cluster label per record after attaching (dense 0…k-1)
    pairs: np.ndarray  # bool per candidate pair: the pair that attached a record
    attached: int  # evidence-only records attached to a customer or to each other
    ambiguous: int  # evidence-only records whose values lead to two or more customers


def contradicting(cmp: PairColumns, config: LinkageConfig) -> np.ndarray:
    """Pairs whose records say they are two people whatever they share: a different birth date or gender."""
    out = np.zeros(len(cmp["l"]), dtype=bool)
    for kind, column in (("date", "birth_date"), ("exact", "gender")):
        g = comparison_levels(cmp, config, kind, column)
        if g is not None:
            out |= g == 0
    return out


def _contradicted(cmp: PairColumns, labels: np.ndarray, lone: np.ndarray, apart: np.ndarray) -> np.ndarray:
    """Pairs joining a `lone` record to a cluster holding any record it contradicts (`apart` pairs)."""
    left, right, n = cmp["l"], cmp["r"], len(labels)
    bad_l, bad_r = apart & lone[left], apart & lone[right]
    forbidden = np.concatenate(
        [left[bad_l] * n + labels[right[bad_l]], right[bad_r] * n + labels[left[bad_r]]]
    )
    forbidden = np.sort(forbidden)
    out = np.zeros(len(left), dtype=bool)
    for mine, other in ((left, right), (right, left)):  # only the pairs with a lone record on that side
        at = np.flatnonzero(lone[mine])
        out[at] |= in_sorted(mine[at] * n + labels[other[at]], forbidden)
    return out


def attach_lone_records(
    rec: pd.DataFrame,
    labels: np.ndarray,
    cmp: PairColumns,
    agree: np.ndarray,
    cannot: np.ndarray | None = None,
    apart: np.ndarray | None = None,
    typos: bool | Callable[..., tuple[np.ndarray, int]] = True,
    one_name: np.ndarray | None = None,
) -> Attachments:
    """Records the scores left alone, attached by their personal values: first the evidence-only ones
    (attach_evidence_only), then those with a mistyped e-mail (linkage/mistyped_emails.py), then named ones,
    then the evidence-only ones again (those the named pass resolved: a ticket holding the mobile of a CRM
    contact and of the alias record that has just joined her). A named record the weights could not place (a ticket signed
    'Amy Song' from the address 宋海燕 gave the CRM: the weights cannot know her English name) joins the one
    customer (with a named record) its personal values lead to; its values are personal only when no
    candidate pair holding them is clearly two people by name (personal_values). `cannot`: (k, 2) record
    indices a steward keeps apart (linkage/constraints.py); no attachment joins them. `apart` (per pair,
    `contradicting`): a named record never joins through a pair whose records contradict each other (a
    household mailbox: 'Jose White' born 1955 and 'Hannah White' born 2002). `typos=False`: no mistyped-e-mail
    attachment; a callable: `attach_mistyped_records` with the whole file's facts (linkage/spark/mistyped.py).
    `one_name` (per pair, one_name_two_writings): named records still alone after that join each other through
    such pairs ('Amy Zhou' in the CRM and 周强 in the sales app on one mobile: one person the weights cannot see)."""
    singleton = np.bincount(labels, minlength=len(rec))[labels] == 1
    contact = _contact(rec)
    unnamed = evidence_only(rec, contact)
    first = attach_evidence_only(labels, cmp, unnamed & singleton, agree, cannot=cannot)
    # Mistyped e-mails next, so that a CRM contact a survey answer joins that way is a customer of several
    # records when the named pass looks for the customer a named record's values lead to.
    # a callable from linkage/spark: with the whole file's facts
    attach = typos if callable(typos) else attach_mistyped_records
    labels, mistyped = attach(rec, first.labels, unnamed, cannot) if typos else (first.labels, 0)
    named = contact & ~unnamed
    alone = np.bincount(labels, minlength=len(rec))[labels] == 1
    named_cluster = np.zeros(len(rec), dtype=bool)
    named_cluster[labels[~unnamed]] = True
    usable = agree if apart is None else agree & ~_contradicted(cmp, labels, named & alone, apart)
    second = attach_evidence_only(
        labels, cmp, named & alone, usable & named_cluster[labels[cmp["l"]]]
        & named_cluster[labels[cmp["r"]]], bridge=False, cannot=cannot
    )  # fmt: skip
    if one_name is not None:  # named records alone on both sides, one name in two writings: one customer
        alone = named & (np.bincount(second.labels, minlength=len(rec))[second.labels] == 1)
        both = usable & one_name & alone[cmp["l"]] & alone[cmp["r"]]
        paired = attach_evidence_only(second.labels, cmp, alone, both, cannot=cannot)
        second = Attachments(paired.labels, second.pairs | paired.pairs, second.attached + paired.attached, 0)
    # Evidence-only records that led to two customers the named pass has just made one try again.
    still = unnamed & (np.bincount(second.labels, minlength=len(rec))[second.labels] == 1)
    third = attach_evidence_only(second.labels, cmp, still, agree, cannot=cannot)
    return Attachments(
        third.labels,
        first.pairs | second.pairs | third.pairs,
        first.attached + mistyped + second.attached + third.attached,
        third.ambiguous,
    )


def attach_mistyped_records(
    rec: pd.DataFrame,
    labels: np.ndarray,
    unnamed: np.ndarray,
    cannot: np.ndarray | None,
    unique: np.ndarray | None = None,
    names: Counter[str] | None = None,
    within: np.ndarray | None = None,
    records: EncodedRecords | None = None,
) -> tuple[np.ndarray, int]:
    """Evidence-only records (`unnamed`) still alone whose e-mail nobody else holds, no phone:
    linkage/mistyped_emails.py. When `rec` is part of a file (linkage/spark: a connected component), the
    file's facts: `unique` (per record: e-mails held by no other record of the file) and `names`
    (name_counts of the file). `within` (bool per record): only these may be attached (an incremental
    night's records; each attachment reads only the owners, so the others' are the same). `records`: rec's
    encoding, where the file's e-mails are read from its codes instead of hashing every string."""
    only = unnamed & (np.bincount(labels, minlength=len(rec))[labels] == 1)
    if within is not None:  # a lone record joins no cluster of a named record: the owners stay the same
        only &= within
    if not only.any():  # before the file's e-mails are counted
        return labels, 0
    emails = rec["emails"].tolist()
    held = Mailboxes(emails, records)
    if unique is None:
        only = sole_mailboxes(emails, held.counts(only), rec["phones"], only)
    else:
        only &= (_lengths(rec["phones"]) == 0) & unique
    if cannot is not None and len(cannot):
        only[cannot.ravel()] = False  # a steward decided about it: not guessed at
    if not only.any():
        return labels, 0
    owners = isin(labels, labels[~unnamed]) & ~only
    # the personal mailboxes a lone one may mistype: those of its shapes (mistyped_emails.py), not the file's
    shapes = shape_index({e for r in np.flatnonzero(only).tolist() for e in emails[r]})
    near = near_shapes(held.distinct(), shapes) if shapes else []
    personal = {e for e in near if e.split("@", 1)[0] not in ROLE_LOCAL_PARTS}
    names = FileNames(rec) if names is None else names
    out, attached = attach_mistyped(emails, labels, only, owners, personal, names)
    return dense_labels(out), attached


@dataclass(frozen=True)
class FileMailboxes:
    """The e-mails the encoding's records hold: their codes (ascending), the mailboxes, and their shapes
    (mistyped_emails.mailbox_shapes)."""

    codes: np.ndarray
    mailboxes: np.ndarray
    shapes: MailboxShapes

    @classmethod
    def of(cls, records: EncodedRecords) -> FileMailboxes:
        """The records' mailboxes, read once and kept in their cache (an incremental night asks every time its
        closure runs out of pairs)."""
        cached = records.cache.get(("mailboxes", "file"))
        if cached is None:
            codes = sorted_unique(records.lists["emails"].codes)
            mailboxes = records.vocab[codes]
            cached = records.cache["mailboxes", "file"] = cls(
                codes, mailboxes, mailbox_shapes(mailboxes.tolist())
            )
        return cached


def typo_owners(rec: pd.DataFrame, records: EncodedRecords, within: np.ndarray) -> np.ndarray:
    """Records holding a mailbox that an e-mail of an evidence-only record of `within` (no phone, e-mails no
    other record holds) is a typo of (linkage/mistyped_emails.py): the customers attach_mistyped_records may
    attach it to, wherever they are (an incremental night links them again with it). Read from the encoding's
    e-mails (none without an e-mail column there)."""
    out = np.zeros(len(rec), dtype=bool)
    if "emails" not in records.lists or not within.any():
        return out
    lone = within.copy()
    lone[lone] = evidence_only(rec[within])
    emails = rec["emails"].tolist()
    lone = sole_mailboxes(emails, Mailboxes(emails, records).counts(lone), rec["phones"], lone)
    boxes = {e for r in np.flatnonzero(lone).tolist() for e in emails[r]}
    if not boxes:
        return out
    file = FileMailboxes.of(records)
    shapes = shape_index(boxes)
    near = near_shapes(file.mailboxes.tolist(), shapes, file.shapes) if shapes else []
    targets = list({e for found in mistyped_mailboxes(boxes, near, FileNames(rec)).values() for e in found})
    if targets:
        codes = file.codes[pd.Index(file.mailboxes, dtype=object).get_indexer(targets)]
        col = records.lists["emails"]
        out[col.rids()[isin(col.codes, codes)]] = True
    return out


class TypoOwners:
    """typo_owners for an incremental night's closure, which asks again with more records each time it runs
    out of pairs: each record looked at once (the owners an earlier round's records reached are in the
    closure's work already: typo_owners is a union over records; the file's mailboxes are read once,
    FileMailboxes.of)."""

    def __init__(self, rec: pd.DataFrame, records: EncodedRecords) -> None:
        self._rec, self._records = rec, records
        self._seen = np.zeros(len(rec), dtype=bool)

    def reached_by(self, within: np.ndarray) -> np.ndarray:
        """typo_owners of the records of `within` not asked about before."""
        new = within & ~self._seen
        self._seen |= within
        return typo_owners(self._rec, self._records, new)


class LoneMailboxes:
    """The other direction of typo_owners, for an incremental night: the records with e-mails only (no name, no
    phone) and their mailboxes, read once. Whether attach_mistyped_records attaches such a record, and to whom,
    reads the holders of the mailboxes it may mistype (linkage/mistyped_emails.py): a night that brings a new
    holder, or moves one to another customer, links the record again too."""

    def __init__(self, rec: pd.DataFrame) -> None:
        self._emails = rec["emails"].to_numpy(dtype=object) if "emails" in rec else np.empty(len(rec), object)
        lone = ~_named(rec) if "emails" in rec else np.zeros(len(rec), dtype=bool)
        lone[lone] = _lengths(rec["phones"][lone]) == 0
        lone[lone] = _lengths(rec["emails"][lone]) > 0
        self._held: dict[str, list[int]] = {}
        for r in np.flatnonzero(lone).tolist():
            for e in self._emails[r]:
                self._held.setdefault(e, []).append(r)
        self._keys = half_keys(self._held)
        self._seen = np.zeros(len(rec), dtype=bool)  # the records whose mailboxes were looked up
        self._asked: set[str] = set()  # the mailboxes looked up so far
        self._reached: set[str] = set()  # the lone mailboxes they reached

    def reached_by(self, within: np.ndarray) -> np.ndarray:
        """The records outside `within` holding a mailbox a record of `within` holds, or a typo of one: a
        superset (the names' rule is not applied; a link again costs time, never a wrong id). Each mailbox is
        looked up once a night: the closure's later rounds ask again with more records."""
        new = within & ~self._seen  # an earlier round's records: their mailboxes were asked about
        self._seen |= within
        theirs = {e for es in self._emails[new] for e in es} - self._asked
        self._asked |= theirs
        if self._held and theirs:
            self._reached |= (theirs & self._held.keys()) | typos_in(self._keys, theirs)
        out = np.zeros(len(within), dtype=bool)
        out[[r for e in self._reached for r in self._held[e]]] = True
        return out & ~within


class Mailboxes:
    """The file's e-mails (`emails`, each record's list): the distinct ones, and the times each of a few
    records' is held, as a Counter over every list would count them (to tell once from more: 2 stands for
    more). From the encoding (`records`) when there is one, else the strings hashed once."""

    def __init__(self, emails: list, records: EncodedRecords | None = None) -> None:
        self._emails = emails
        self._col = records.lists.get("emails") if records is not None else None
        self._records = records
        self._hashed: tuple[np.ndarray, list] | None = None

    def _hash(self) -> tuple[np.ndarray, list]:
        if self._hashed is None:
            lengths = np.fromiter(map(len, self._emails), dtype=np.int64, count=len(self._emails))
            flat = flat_values(self._emails, int(lengths.sum()))
            codes, uniques = pd.factorize(flat, use_na_sentinel=False)
            self._hashed = np.bincount(codes, minlength=len(uniques)), list(uniques)
        return self._hashed

    def distinct(self) -> list:
        """Every e-mail a record holds (the encoding's: blanks are none, which no typo is of)."""
        if self._col is not None and self._records is not None:
            return self._records.vocab[sorted_unique(self._col.codes)].tolist()
        return self._hash()[1]

    def counts(self, rows: np.ndarray) -> Counter[str]:
        """Times each e-mail of the records `rows` (bool per record) is held."""
        if self._col is not None and (counted := self._encoded_counts(rows)) is not None:
            return counted
        held, distinct = self._hash()
        wanted = list({e for r in np.flatnonzero(rows).tolist() for e in self._emails[r]})
        at = pd.Index(distinct, dtype=object).get_indexer(wanted)
        return Counter(dict(zip(wanted, np.where(at >= 0, held[at], 0).tolist(), strict=True)))

    def _encoded_counts(self, rows: np.ndarray) -> Counter[str] | None:
        """counts() from the records holding each code: an e-mail one record holds is held once when that
        record's list holds it once. None when a list holds what the encoding drops (a blank, a number)."""
        assert self._col is not None and self._records is not None
        col, vocab = self._col, self._records.vocab
        holders = holder_counts(self._records, "emails")
        out: Counter[str] = Counter()
        for r in np.flatnonzero(rows).tolist():
            codes = col.codes[col.offsets[r] : col.offsets[r + 1]]
            by_value = dict(zip(vocab[codes].tolist(), holders[codes].tolist(), strict=True))
            values = list(self._emails[r])
            for e in values:
                if not isinstance(e, str) or e not in by_value:
                    return None
                out[e] = 1 if by_value[e] == 1 and values.count(e) == 1 else 2
        return out


class FileNames(Mapping[str, int]):
    """name_counts(rec), counted on the first look-up: a night's lone mailboxes rarely reach the names."""

    def __init__(self, rec: pd.DataFrame) -> None:
        self._rec: pd.DataFrame | None = rec
        self._counts: Counter[str] = Counter()

    def _counted(self) -> Counter[str]:
        if self._rec is not None:
            self._counts, self._rec = name_counts(self._rec), None
        return self._counts

    def __getitem__(self, name: str) -> int:
        counts = self._counted()
        if name not in counts:
            raise KeyError(name)
        return counts[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._counted())

    def __len__(self) -> int:
        return len(self._counted())

    def __bool__(self) -> bool:  # as a mapping to look names up in (attach_mistyped's `names or {}`)
        return True


def sole_mailboxes(emails: list, held: Counter[str], phones: pd.Series, among: np.ndarray) -> np.ndarray:
    """`among` narrowed to the records with no phone and e-mails only, each held by no other record (`held`:
    records per e-mail): those a mistyped e-mail may attach."""
    out = among.copy()
    out[out] = _lengths(phones[out]) == 0
    out[out] = [len(emails[i]) > 0 and all(held[e] == 1 for e in emails[i]) for i in np.flatnonzero(out)]
    return out


def name_counts(rec: pd.DataFrame) -> Counter[str]:
    """Records holding each name (a name in several words: each word too)."""
    names: Counter[str] = Counter()
    keys = [rec[c].dropna().astype(str) for c in ("family_key", "given_key") if c in rec]
    for key, count in pd.concat(keys).value_counts().items() if keys else ():
        for word in {key, *key.split()}:
            names[word] += count
    return names


def attach_evidence_only(
    labels: np.ndarray,
    cmp: PairColumns,
    lone: np.ndarray,
    agree: np.ndarray,
    bridge: bool = True,
    cannot: np.ndarray | None = None,
) -> Attachments:
    """Attach each lone record (`lone`: e.g. evidence-only and alone in its cluster) to the one customer its
    personal values lead to; records leading only to each other form one customer. `bridge=False`: lone
    records never join each other, nor reach a customer through each other.

    Whether a record is ambiguous is decided per group of lone records joined by shared values (each record
    on its own without `bridge`), never through a customer: a campaign member holding only Ann's mailbox
    joins Ann although a ticket holding Ann's and Bob's numbers, which reaches Ann too, is ambiguous."""
    n = len(labels)
    left, right = cmp["l"], cmp["r"]
    edges = agree & ((lone[left] | lone[right]) if bridge else (lone[left] ^ lone[right]))
    # Groups: lone records joined by lone-lone edges; every other record stands for its cluster.
    both = edges & lone[left] & lone[right]
    graph = coo_matrix((np.ones(int(both.sum())), (left[both], right[both])), shape=(n, n))
    group = connected_components(graph, directed=False)[1]
    reach = edges & ~both
    lone_end = np.where(lone[left[reach]], left[reach], right[reach])
    other_end = np.where(lone[left[reach]], right[reach], left[reach])
    found = pd.DataFrame({"g": group[lone_end], "c": labels[other_end]}).drop_duplicates()
    per_group = np.bincount(found["g"], minlength=n)
    target = np.full(n, -1, dtype=np.int64)
    target[found["g"].to_numpy()] = found["c"].to_numpy()
    members = sorted_unique(np.concatenate([left[edges], right[edges]]))
    members = members[lone[members]]
    g = group[members]
    one = per_group[g] == 1
    out = labels.copy()
    out[members[one]] = target[g[one]]
    alone = (per_group[g] == 0) & bridge  # only each other: the lowest record's label for all
    first = pd.Series(labels[members[alone]]).groupby(g[alone]).transform("min").to_numpy()
    out[members[alone]] = first
    resolved = np.zeros(n, dtype=bool)
    resolved[members[one | alone]] = True
    if cannot is not None and len(cannot):  # a steward's cannot-link: the attached side stays alone
        a, b = cannot[:, 0], cannot[:, 1]
        joined = (out[a] == out[b]) & (labels[a] != labels[b])
        undo = np.unique(np.concatenate([a[joined & resolved[a]], b[joined & resolved[b]]]))
        out[undo] = labels.max(initial=-1) + 1 + np.arange(len(undo))
        resolved[undo] = False
        one &= resolved[members]
        alone &= resolved[members]
    used = np.zeros(len(left), dtype=bool)
    idx = np.flatnonzero(edges)
    used[idx] = (resolved[left[idx]] | resolved[right[idx]]) & (out[left[idx]] == out[right[idx]])
    return Attachments(dense_labels(out), used, int((one | alone).sum()), int((~(one | alone)).sum()))
