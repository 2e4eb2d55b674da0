"""How one true value gets written in the wild: name scripts and orders, phone and email formats, typos."""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence
from typing import TypeVar

import numpy as np

T = TypeVar("T")

_FULLWIDTH = str.maketrans("0123456789+-@.", "０１２３４５６７８９＋－＠．")


def pick(rng: np.random.Generator, options: Sequence[T], weights: Sequence[float] | None = None) -> T:
    """One option, uniformly or by weight; a plain draw (rng.choice with p= costs ~20 µs a call)."""
    if weights is None:
        return options[int(rng.integers(0, len(options)))]
    cum = list(itertools.accumulate(weights))
    return options[min(bisect.bisect_right(cum, rng.random() * cum[-1]), len(options) - 1)]


def typo(text: str, rng: np.random.Generator) -> str:
    """Swap two neighbouring letters (Jonh) or drop one (Smth)."""
    if len(text) < 4:
        return text
    i = int(rng.integers(1, len(text) - 2))
    if rng.random() < 0.5:
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    return text[:i] + text[i + 1 :]


def crm_name(p, rng: np.random.Generator) -> tuple[str, str]:
    """(first, last) in a CRM's two name fields: as latin_name writes them, but now and then the whole name typed
    into Last Name (the required field) or into First Name, or the two parts crossed."""
    r = rng.random()
    if r < 0.05:
        whole = full_name(p, rng)
        return ("", whole) if rng.random() < 0.8 else (whole, "")
    first, last = latin_name(p, rng)
    return (last, first) if r < 0.08 else (first, last)


def latin_name(p, rng: np.random.Generator) -> tuple[str, str]:
    """(first, last) as a Western CRM stores it: pinyin, an English alias, swapped order, caps or Hanzi; a
    Japanese or Korean customer in romaji / romanised, now and then in kanji / hangul."""
    if p.name_script in ("kanji", "hangul"):
        r = rng.random()
        if r < 0.1:
            return p.given_hanzi, p.family_hanzi
        given = _romanised_given(p, rng)
        return (given, p.family_latin.upper()) if r < 0.25 else (given, p.family_latin)
    if p.name_script == "latin":
        first, last = p.given_latin, p.family_latin
        r = rng.random()
        if r < 0.05:
            first = typo(first, rng)
        elif r < 0.08:
            first, last = first.upper(), last.upper()
        return first, last
    r = rng.random()
    if p.alias and r < 0.5:
        return p.alias, p.family_latin  # Kevin Zhang
    if r < 0.12:
        return p.family_latin, p.given_latin  # Zhang / Wei typed in the wrong boxes
    if r < 0.2:
        return p.given_latin, p.family_latin.upper()  # Wei ZHANG
    if r < 0.32:
        return p.given_hanzi, p.family_hanzi  # Hanzi in a Latin CRM
    return p.given_latin, p.family_latin


def _romanised_given(p, rng: np.random.Generator) -> str:
    """A Korean given name as people romanise it: Min-jun, Minjun, Min Jun."""
    if p.name_script != "hangul":
        return p.given_latin
    given = p.given_latin
    return pick(
        rng, [given, given.replace("-", "").title(), given.replace("-", " ").title()], [0.5, 0.3, 0.2]
    )


def _own_script(p, rng: np.random.Generator) -> str:
    """A Japanese or Korean name in kanji / hangul: family first, with or without a space."""
    spaced = rng.random() < (0.5 if p.name_script == "kanji" else 0.2)
    return f"{p.family_hanzi} {p.given_hanzi}" if spaced else p.family_hanzi + p.given_hanzi


def full_name(p, rng: np.random.Generator, hanzi_first: bool = False) -> str:
    """A single name field (orders, surveys, feeds): any of the forms people type."""
    if p.name_script in ("kanji", "hangul"):
        if rng.random() < (0.75 if hanzi_first else 0.4):
            return _own_script(p, rng)
        given = _romanised_given(p, rng)
        forms = [
            f"{given} {p.family_latin}",
            f"{p.family_latin.upper()} {given}",
            f"{p.family_latin} {given}",
        ]
        return pick(rng, forms, [0.6, 0.25, 0.15])
    if p.name_script == "latin":
        r = rng.random()
        if r < 0.08:
            return f"{p.family_latin}, {p.given_latin}"
        if r < 0.13:
            return typo(f"{p.given_latin} {p.family_latin}", rng)
        if r < 0.18:
            return f"{p.given_latin} {p.family_latin}".upper()
        return f"{p.given_latin} {p.family_latin}"
    r = rng.random()
    if (hanzi_first and r < 0.75) or (not hanzi_first and r < 0.35):
        if rng.random() < 0.1:
            return p.family_trad + p.given_trad  # traditional characters (HK/TW customers, IME settings)
        if rng.random() < 0.05:
            return f"{p.family_hanzi} {p.given_hanzi}"
        return p.family_hanzi + p.given_hanzi
    forms = [
        f"{p.family_latin} {p.given_latin}",  # Zhang Wei
        f"{p.given_latin} {p.family_latin}",  # Wei Zhang
        f"{p.family_latin.upper()} {p.given_latin}",  # ZHANG Wei
        f"{p.alias} {p.family_latin}"
        if p.alias
        else f"{p.family_latin}{p.given_latin}".lower().replace(" ", ""),
        f"{p.family_hanzi}{p.given_hanzi} {p.alias}" if p.alias else f"{p.family_hanzi}{p.given_hanzi}",
    ]
    return forms[int(rng.integers(0, len(forms)))]


def contact_phone(p, rng: np.random.Generator) -> str:
    """The number a person leaves with a shop, a desk or a booth: now and then the family's home landline
    (people.py, families), else the mobile."""
    if p.home_phone and rng.random() < 0.35:
        return phone(p.home_phone, rng)
    return phone(p.mobile, rng)


def crm_mailbox(p, rng: np.random.Generator) -> str:
    """The mailbox a CRM holds: mostly the work one of those who have one, else the private one."""
    return p.work_email if p.work_email and rng.random() < 0.7 else p.email


def phone(e164: str, rng: np.random.Generator, ext: str = "") -> str:
    """One E.164 number written as people do: +86 138-0013-8000, 0086…, 13800138000, spaces, full-width;
    foreign numbers often in their national form without a country code (415-727-9325, 07700 900123);
    a switchboard number with the person's extension (010-6552 8888 转 8021, +86 21 5049 0000 ext. 312)."""
    if not e164:
        return ""
    text = _written(e164, rng)
    if ext:
        text += pick(rng, [f" 转 {ext}", f" ext. {ext}", f" 分机{ext}", f" x{ext}", f"-{ext}"],
                     [0.35, 0.25, 0.15, 0.15, 0.1])  # fmt: skip
    return text


def _written(e164: str, rng: np.random.Generator) -> str:
    if e164.startswith("+86"):
        nat = e164[3:]
        if nat.startswith("1") and len(nat) == 11:
            forms = [
                nat,
                f"+86 {nat[:3]}-{nat[3:7]}-{nat[7:]}",
                f"0086{nat}",
                f"+86{nat}",
                f"{nat[:3]} {nat[3:7]} {nat[7:]}",
                f"86-{nat}",
                nat.translate(_FULLWIDTH),
            ]
            weights = [0.35, 0.15, 0.1, 0.15, 0.15, 0.05, 0.05]
        else:  # landline: area code 2–3 digits
            area = (
                nat[:2]
                if nat[:2] in ("10", "20", "21", "22", "23", "24", "25", "27", "28", "29")
                else nat[:3]
            )
            local = nat[len(area) :]
            forms = [
                f"0{area}-{local}",
                f"(0{area}) {local[:4]} {local[4:]}",
                f"+86 {area} {local}",
                f"0{area}{local}",
                f"0{area}-{local[:4]} {local[4:]}",
            ]
            weights = [0.35, 0.2, 0.2, 0.15, 0.1]
        return pick(rng, forms, weights)
    if e164.startswith("+852"):
        nat = e164[4:]
        return [f"+852 {nat[:4]} {nat[4:]}", f"{nat[:4]} {nat[4:]}", f"(852) {nat}"][int(rng.integers(0, 3))]
    if e164.startswith("+1"):
        nat = e164[2:]
        forms = [f"+1 ({nat[:3]}) {nat[3:6]}-{nat[6:]}", f"{nat[:3]}-{nat[3:6]}-{nat[6:]}",
                 f"({nat[:3]}) {nat[3:6]}-{nat[6:]}", f"{nat[:3]}.{nat[3:6]}.{nat[6:]}", f"+1{nat}"]  # fmt: skip
        return pick(rng, forms, [0.3, 0.3, 0.2, 0.1, 0.1])
    if e164.startswith("+44"):
        nat = "0" + e164[3:]
        return pick(
            rng, [e164, f"+44 {e164[3:7]} {e164[7:]}", f"{nat[:5]} {nat[5:]}", nat], [0.3, 0.2, 0.3, 0.2]
        )
    if e164.startswith("+49"):
        nat = "0" + e164[3:]
        return pick(rng, [e164, f"+49 {e164[3:6]} {e164[6:]}", f"{nat[:4]} {nat[4:]}"], [0.4, 0.2, 0.4])
    if e164.startswith("+65"):
        nat = e164[3:]
        return pick(rng, [e164, f"+65 {nat[:4]} {nat[4:]}", f"{nat[:4]} {nat[4:]}"], [0.4, 0.3, 0.3])
    code = next((c for c in ("81", "82", "886") if e164.startswith("+" + c)), "")
    if code:  # Japan, Korea, Taiwan: national numbers with the trunk 0, groups by dashes
        nat = e164[len(code) + 1 :]
        if code == "886" and nat[0] == "9":  # 0912-345-678
            groups = f"{nat[:3]}-{nat[3:6]}-{nat[6:]}"
        else:  # 090-3140-5851, 010-1234-5678, 051-234-5678, 03-1234-5678
            area = 2 if nat[:2] in ("70", "80", "90", "10", "51") else 1
            groups = f"{nat[:area]}-{nat[area:-4]}-{nat[-4:]}"
        return pick(rng, [e164, f"+{code} {groups}", f"0{groups}"], [0.25, 0.35, 0.4])
    return e164 if rng.random() < 0.6 else f"{e164[:3]} {e164[3:]}"


def email(address: str, rng: np.random.Generator) -> str:
    """Case, stray whitespace, gmail dots and +tags; a rare typo in the domain."""
    if not address:
        return ""
    local, _, domain = address.partition("@")
    r = rng.random()
    if domain == "gmail.com" and r < 0.25:
        return (
            f"{local.replace('.', '')}+shop@{domain}"
            if r < 0.12
            else f"{'.'.join(local.replace('.', ''))}@{domain}"
        )
    if r < 0.4:
        return address.title() if r < 0.33 else f" {address} "
    if r < 0.43:
        return f"{local}@{domain.replace('.com', '.con')}"
    return address
