"""Numbers written in national form with nothing saying their country: read in the countries the source's
own rows come from.

A service desk in Shanghai logs '9133 4209' for a Hong Kong caller and '07215 231624' for a London one; the
row has no country, and read as Chinese numbers they are invalid (or a landline of a Chinese city). When the
source's other rows say which countries its people come from (a country column, an address, numbers written
with +852 / +44), the number is read in each of those countries where it is a valid mobile number, and
every such reading is kept: a wrong reading matches nobody's number, the right one matches the person's.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

import pandas as pd
import phonenumbers
from phonenumbers import PhoneNumberType

from linkage.standardise._unique import map_unique, remembered
from linkage.standardise.phone import PHONE_REGIONS, canonical_phone, phone_kind
from linkage.standardise.text import fold_text

_MOBILE = frozenset({PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE})
# A region needs this many of the source's rows (or +prefixed numbers) before its readings are tried.
MIN_ROWS_FOR_REGION = 1


def _written_national(text: str) -> bool:
    """No country code: no '+', no '00' international prefix, and at most 11 digits."""
    t = fold_text(text).strip()
    digits = re.sub(r"\D", "", t)
    return bool(digits) and not t.startswith("+") and not t.startswith("00") and len(digits) <= 11


def source_regions(regions: pd.Series, numbers: Iterable[str]) -> list[str]:
    """The countries a source's people come from: the rows' own countries (row_regions) and the country
    codes of the numbers written with '+', each seen at least MIN_ROWS_FOR_REGION times."""
    counts = regions.dropna().astype(str).str.upper().value_counts()
    codes: dict[str, int] = {}
    for value, n in Counter(map(str, numbers)).items():  # each distinct number parsed once
        region = _code_region(value)
        if region in PHONE_REGIONS:
            codes[region] = codes.get(region, 0) + n
    total = counts.add(pd.Series(codes, dtype="int64"), fill_value=0)
    return sorted(r for r, n in total.items() if n >= MIN_ROWS_FOR_REGION and r in PHONE_REGIONS)


@remembered
def _code_region(value: str) -> str | None:
    """The region of a number written with '+' and its country code; None for any other."""
    text = fold_text(value).strip()
    if not text.startswith("+"):
        return None
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(text, None))
    except phonenumbers.NumberParseException:
        return None


def readings(value: str, region: str, others: list[str]) -> list[str]:
    """E.164 readings of one written number: its reading in `region` (the row's country); when it has no
    country code and is no mobile there, also its mobile readings in `others` (the source's countries)."""
    return list(_readings(value, region, tuple(others)))


@remembered
def _readings(value: str, region: str, others: tuple[str, ...]) -> tuple[str, ...]:
    own = canonical_phone(value, region)
    if (
        not others
        or not _written_national(value)
        or (own and phone_kind(own) in ("mobile", "fixed_or_mobile"))
    ):
        return (own,) if own else ()
    out = [own] if own else []
    for other in others:
        if other == region:
            continue
        reading = canonical_phone(value, other)
        if reading and reading not in out:
            number = phonenumbers.parse(reading, None)
            if phonenumbers.number_type(number) in _MOBILE:
                out.append(reading)
    return tuple(out)


def national_readings(phones: pd.DataFrame, raw: pd.Series, stated: pd.Series, default: str) -> pd.DataFrame:
    """`phones` (row, value: E.164 in the row's region, col) with the readings of `raw` (the written numbers,
    aligned) in the source's other countries added, for rows whose country is not stated (`stated`: per
    frame row, <NA> when the row says no country) and numbers that are no mobile in `default`."""
    others = source_regions(stated, raw.dropna())
    if not len(phones) or not [r for r in others if r != default.upper()]:
        return phones
    unstated = stated.isna().to_numpy()[phones["row"].to_numpy()]
    sub = phones[unstated]
    read = map_unique(raw[unstated], lambda v: "\x1f".join(readings(v, default.upper(), others)))
    extra = sub.assign(value=read.str.split("\x1f")).explode("value")
    extra = extra[extra["value"].notna() & (extra["value"] != "")]
    extra["value"] = extra["value"].astype("string")
    return pd.concat([phones, extra], ignore_index=True)
