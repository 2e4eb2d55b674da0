"""Phone numbers to E.164 with Google's libphonenumber (`phonenumbers`), typed mobile/landline."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import phonenumbers
from phonenumbers import PhoneNumberType

from linkage.standardise._unique import map_unique, remembered
from linkage.standardise.text import fold_text

# National numbers that stand for "no phone" (placeholders, keyboard runs).
JUNK_NATIONAL = frozenset(
    {"13800000000", "13800138000", "13888888888", "13900000000", "12345678901", "12345678", "1234567890"}
)
_TYPE_NAMES = {
    PhoneNumberType.MOBILE: "mobile",
    PhoneNumberType.FIXED_LINE: "landline",
    PhoneNumberType.FIXED_LINE_OR_MOBILE: "fixed_or_mobile",
    PhoneNumberType.TOLL_FREE: "toll_free",
    PhoneNumberType.PREMIUM_RATE: "premium_rate",
    PhoneNumberType.SHARED_COST: "shared_cost",
    PhoneNumberType.VOIP: "voip",
    PhoneNumberType.PERSONAL_NUMBER: "personal",
    PhoneNumberType.PAGER: "pager",
    PhoneNumberType.UAN: "uan",
    PhoneNumberType.VOICEMAIL: "voicemail",
}
_EXCEL_FLOAT = re.compile(r"^(\d+)\.0+$")
_RUN = re.compile(r"(\d)\1{7,}")
# An extension behind a switchboard number: '010-6552 8888 转 8021', '… ext. 312', '… 分机 12', '… x312'.
_EXTENSION = re.compile(r"\s*(?:转|轉|分机|分機|ext\.?|extension|x|#)\s*(\d{1,6})\s*$", re.IGNORECASE)
# A North American number written nationally: '(212) 555-0142', '415-727-9325', '415.727.9325'. No Chinese
# number is written so (mobiles have 11 digits, landlines start with the trunk 0), nor most others.
_NANP_SHAPE = re.compile(r"^(?:\(\s*[2-9]\d{2}\s*\)\s*|[2-9]\d{2}[\s.\-])[2-9]\d{2}[\s.\-]\d{4}$")
NANP_REGIONS = frozenset({"US", "CA"})
PHONE_REGIONS = frozenset(phonenumbers.SUPPORTED_REGIONS)
_TRAILING_GROUP = re.compile(r"[\-\s]\d{1,5}$")
# A note typed after the number: '… 微信同号' (the same number on WeChat), '…（本人）', '… (mobile)', '… 办公室'.
_TRAILING_NOTE = re.compile(r"(?<=\d)[^\d]*[^\d\s)\]][^\d]*$")


def _is_junk_digits(national: str) -> bool:
    if national in JUNK_NATIONAL or len(set(national)) <= 1:
        return True
    if len(national) >= 7 and (national in "01234567890123456789" or national in "98765432109876543210"):
        return True
    return bool(_RUN.search(national))  # 138 0000 0000: eight equal digits in a row


def split_extension(text: str) -> tuple[str, str]:
    """(number, extension) of a switchboard number written with the person's extension."""
    match = _EXTENSION.search(text)
    if match and len(re.sub(r"\D", "", text[: match.start()])) >= 7:
        return text[: match.start()], match.group(1)
    return text, ""


def number_region(text: str, region: str) -> str:
    """The region to read a number without a country code in: `region`, unless the number's shape says
    North America (a CN-default source holding '(212) 555-0142')."""
    if region.upper() not in NANP_REGIONS and _NANP_SHAPE.match(text.strip()):
        return "US"
    return region


@remembered
def canonical_phone(value: str, region: str = "CN") -> str | None:
    """E.164 of one written number, without any extension; None when invalid or a placeholder. `region`:
    the country to read a number without a country code in (the record's country, else the source's)."""
    text = fold_text(value)
    text = _EXCEL_FLOAT.sub(r"\1", text)  # 13812345678.0 from a spreadsheet
    if not re.search(r"\d", text):
        return None
    note = _TRAILING_NOTE.search(text)
    if note:  # read without it unless the whole is one number (letters can spell digits: 1-800-FLOWERS)
        return _number(text, region) or canonical_phone(text[: note.start()], region)
    return _number(text, region)


def _number(text: str, region: str) -> str | None:
    text, _ = split_extension(text)
    region = number_region(text, region or "CN")
    candidates = [text]
    digits = re.sub(r"\D", "", text)
    if not text.startswith("+") and len(digits) > 10:
        candidates.append("+" + digits)  # '86 138 1234 5678' written without the plus
    tail = _TRAILING_GROUP.search(text)
    if tail and len(re.sub(r"\D", "", text[: tail.start()])) >= 7:
        candidates.append(text[: tail.start()])  # '021-5049 0000-312': an extension after a dash, last resort
    for candidate in candidates:
        e164 = _reading(_parse_key(candidate), region.upper())
        if e164 is not None:
            return e164 or None
    return None


# A number written with digits, a leading '+' and separators only: libphonenumber reads it as its digits alone,
# so '138 1234 5678', '138-1234-5678' and '(138) 1234.5678' are parsed once between them.
_PLAIN_NUMBER = re.compile(r"\+?[0-9 \-.()]+")
_PLAIN_SEPARATORS = re.compile(r"[ \-.()]")


def _parse_key(candidate: str) -> str:
    return _PLAIN_SEPARATORS.sub("", candidate) if _PLAIN_NUMBER.fullmatch(candidate) else candidate


@remembered
def _reading(candidate: str, region: str) -> str | None:
    """E.164 of `candidate` read in `region`, '' when that is a placeholder, None when it is no valid number."""
    try:
        number = phonenumbers.parse(candidate, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    if _is_junk_digits(str(number.national_number)):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_phone(s: pd.Series, region: str | pd.Series | np.ndarray = "CN") -> pd.Series:
    """E.164 ('+8613812345678') or <NA> when missing, invalid or a placeholder; extensions are dropped.
    `region`: the default country for numbers written without a country code (ISO 3166 alpha-2), one for
    the column or one per row, in the rows' order (the record's own country: linkage.records.row_regions)."""
    if isinstance(region, str):
        return map_unique(s, lambda v: canonical_phone(v, region))
    text = s.astype("string")
    regions = pd.Series(np.asarray(region, dtype=object), index=s.index, dtype="string").fillna("CN")
    pairs = (text + "\x1f" + regions).where(text.notna())
    return map_unique(pairs, lambda v: canonical_phone(*v.split("\x1f", 1)))


@remembered
def phone_kind(e164: str) -> str | None:
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return None
    return _TYPE_NAMES.get(phonenumbers.number_type(number), "unknown")


def phone_type(e164: pd.Series) -> pd.Series:
    """mobile | landline | fixed_or_mobile | toll_free | voip | … for E.164 numbers; <NA> when missing."""
    return map_unique(e164, phone_kind)
