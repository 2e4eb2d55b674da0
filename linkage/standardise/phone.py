"""Phone numbers to E.164 with Google's libphonenumber (`phonenumbers`), typed mobile/landline."""

from __future__ import annotations

import re

import pandas as pd
import phonenumbers
from phonenumbers import PhoneNumberType

from linkage.standardise._unique import map_unique
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


def _is_junk_digits(national: str) -> bool:
    if national in JUNK_NATIONAL or len(set(national)) <= 1:
        return True
    if len(national) >= 7 and (national in "01234567890123456789" or national in "98765432109876543210"):
        return True
    return bool(_RUN.search(national))  # 138 0000 0000: eight equal digits in a row


def canonical_phone(value: str, region: str = "CN") -> str | None:
    text = fold_text(value)
    text = _EXCEL_FLOAT.sub(r"\1", text)  # 13812345678.0 from a spreadsheet
    if not re.search(r"\d", text):
        return None
    candidates = [text]
    digits = re.sub(r"\D", "", text)
    if not text.startswith("+") and len(digits) > 10:
        candidates.append("+" + digits)  # '86 138 1234 5678' written without the plus
    for candidate in candidates:
        try:
            number = phonenumbers.parse(candidate, region.upper())
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            if _is_junk_digits(str(number.national_number)):
                return None
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return None


def normalise_phone(s: pd.Series, region: str = "CN") -> pd.Series:
    """E.164 ('+8613812345678') or <NA> when missing, invalid or a placeholder. `region` is the default
    country for numbers written without a country code (ISO 3166 alpha-2)."""
    return map_unique(s, lambda v: canonical_phone(v, region))


def phone_kind(e164: str) -> str | None:
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return None
    return _TYPE_NAMES.get(phonenumbers.number_type(number), "unknown")


def phone_type(e164: pd.Series) -> pd.Series:
    """mobile | landline | fixed_or_mobile | toll_free | voip | … for E.164 numbers; <NA> when missing."""
    return map_unique(e164, phone_kind)
