"""Addresses and places: countries to ISO codes, province/city suffixes, postcodes, address text."""

from __future__ import annotations

import functools
import re

import pandas as pd
from babel import Locale

from linkage.standardise._unique import map_unique, remembered
from linkage.standardise.chinese import to_simplified
from linkage.standardise.text import JUNK_VALUES, fold_text, strip_accents

COUNTRIES: dict[str, tuple[str, ...]] = {
    "CN": ("cn", "chn", "china", "prc", "p.r.c.", "p.r. china", "people's republic of china", "mainland china",
           "中国", "中华人民共和国", "中国大陆", "大陆", "内地"),
    "HK": ("hk", "hkg", "hong kong", "hongkong", "hong kong sar", "香港", "中国香港", "香港特别行政区"),
    "MO": ("mo", "mac", "macau", "macao", "澳门", "中国澳门"),
    "TW": ("tw", "twn", "taiwan", "台湾", "中国台湾"),
    "US": ("us", "usa", "u.s.", "u.s.a.", "united states", "united states of america", "america", "美国"),
    "GB": ("gb", "uk", "u.k.", "gbr", "united kingdom", "great britain", "england", "英国"),
    "SG": ("sg", "sgp", "singapore", "新加坡"),
    "AU": ("au", "aus", "australia", "澳大利亚", "澳洲"),
    "CA": ("ca", "can", "canada", "加拿大"),
    "JP": ("jp", "jpn", "japan", "日本"),
    "KR": ("kr", "kor", "korea", "south korea", "republic of korea", "韩国"),
    "DE": ("de", "deu", "germany", "德国"),
    "FR": ("fr", "fra", "france", "法国"),
    "MY": ("my", "mys", "malaysia", "马来西亚"),
}  # fmt: skip
_COUNTRY_LOOKUP = {name: code for code, names in COUNTRIES.items() for name in names}
# Official and common forms no language's everyday name covers: ISO 3166's 'Taiwan, Province of China', R.O.C.
COUNTRY_FORMS = {
    "taiwan, province of china": "TW", "republic of china": "TW", "roc": "TW", "r.o.c.": "TW",
    "korea, republic of": "KR", "hksar": "HK", "hong kong sar china": "HK", "macao sar": "MO", "macau sar": "MO",
    "macao sar china": "MO", "p.r.china": "CN", "pr china": "CN", "中华民国": "TW", "uae": "AE",
}  # fmt: skip
# The languages whose country names (CLDR, through Babel) a country column is read in.
COUNTRY_NAME_LANGUAGES = ("en", "zh", "zh_Hant", "ja", "ko", "de", "fr", "es", "pt", "it", "nl", "ru", "vi", "th",
                          "ms", "id")  # fmt: skip

# Places whose English name is not the pinyin of their Chinese name: both spellings fold to the English one.
PLACE_EXONYMS = {
    "香港": "hong kong", "澳门": "macau", "macao": "macau", "台北": "taipei", "高雄": "kaohsiung",
    "台中": "taichung", "台南": "tainan", "新竹": "hsinchu", "基隆": "keelung", "西藏": "tibet",
    "内蒙古": "inner mongolia", "九龙": "kowloon", "新界": "new territories", "hongkong": "hong kong",
}  # fmt: skip
_ADMIN_SUFFIX = re.compile(
    r"(壮族自治区|回族自治区|维吾尔自治区|特别行政区|自治区|自治州|地区|省|市|盟)$|\s+(province|city|shi|sheng|municipality|prefecture|sar)$"
)
_PUNCT = re.compile(r"[^\w\s]")
_ABBREVIATIONS = {
    "st": "street", "rd": "road", "ave": "avenue", "av": "avenue", "blvd": "boulevard", "dr": "drive",
    "ln": "lane", "ct": "court", "pl": "place", "sq": "square", "hwy": "highway", "apt": "apartment",
    "bldg": "building", "fl": "floor", "flr": "floor", "no": "number", "cres": "crescent", "tce": "terrace",
}  # fmt: skip


def _country_key(name: str) -> str:
    return _PUNCT.sub("", strip_accents(to_simplified(fold_text(name)))).replace(" ", "")


@functools.cache
def _country_names() -> dict[str, str]:
    """Every way of naming a country a country column is read in, by its key (case, script, punctuation and
    spaces folded): each ISO code, its names in COUNTRY_NAME_LANGUAGES, COUNTRY_FORMS and COUNTRIES."""
    names: dict[str, str] = {}
    for language in COUNTRY_NAME_LANGUAGES:
        for code, name in Locale.parse(language).territories.items():
            if len(code) == 2 and code.isalpha():
                names.setdefault(_country_key(code), code)
                names.setdefault(_country_key(name), code)
    names.update(
        {_country_key(name): code for name, code in (*COUNTRY_FORMS.items(), *_COUNTRY_LOOKUP.items())}
    )
    return names


@remembered
def canonical_country(value: str) -> str | None:
    """ISO 3166 alpha-2 code of a country as a country column writes it ('中華民國', 'Deutschland', 'Taiwan,
    Province of China', 'P.R.China'); the value upper-cased when no language names it so."""
    text = fold_text(value)
    if text in JUNK_VALUES:
        return None
    text = to_simplified(text)
    return _COUNTRY_LOOKUP.get(text) or _country_names().get(_country_key(text)) or text.upper()


# An address names its country at the end in Latin script ('…, New York, USA') and first in Chinese
# ('英国伦敦…'); a country name elsewhere is a street or a building ('Canada Square, London').
_NAMES = sorted(_COUNTRY_LOOKUP, key=len, reverse=True)
_COUNTRY_AT_END = re.compile(
    r"(?:^|[\s,;])("
    + "|".join(re.escape(n) for n in _NAMES if n.isascii() and (len(n) >= 3 or n == "uk"))
    + r")[\s.,;\d\-]*$"
)
_COUNTRY_AT_START = re.compile("^(" + "|".join(re.escape(n) for n in _NAMES if not n.isascii()) + ")")


@remembered
def country_in_text(value: str) -> str | None:
    """The country an address names ('350 5th Ave, New York, USA' → 'US', '英国伦敦…' → 'GB'), else None."""
    text = to_simplified(fold_text(value)).strip()
    match = _COUNTRY_AT_END.search(text) or _COUNTRY_AT_START.match(text)
    return _COUNTRY_LOOKUP[match.group(1)] if match else None


# Cities outside mainland China that a delivery names without a country (phones are read in their country).
CITY_COUNTRIES: dict[str, tuple[str, ...]] = {
    "HK": ("kowloon", "九龙", "new territories", "新界", "tsim sha tsui", "尖沙咀", "中环", "wan chai", "湾仔"),
    "MO": ("macau",),
    "TW": ("taipei", "台北", "kaohsiung", "高雄", "taichung", "台中", "tainan", "台南", "hsinchu", "新竹"),
    "US": ("new york", "纽约", "san francisco", "旧金山", "los angeles", "洛杉矶", "chicago", "芝加哥", "boston",
           "波士顿", "seattle", "西雅图", "houston"),
    "GB": ("london", "伦敦", "manchester", "曼彻斯特", "edinburgh", "爱丁堡", "glasgow", "leeds"),
    "AU": ("sydney", "悉尼", "melbourne", "墨尔本", "brisbane", "perth", "珀斯"),
    "CA": ("toronto", "多伦多", "vancouver", "温哥华", "montreal", "蒙特利尔"),
    "JP": ("tokyo", "东京", "osaka", "大阪", "kyoto", "京都"),
    "KR": ("seoul", "首尔", "busan", "釜山"),
    "MY": ("kuala lumpur", "吉隆坡", "penang", "槟城"),
    "DE": ("berlin", "柏林", "munich", "慕尼黑", "frankfurt", "法兰克福", "hamburg", "汉堡"),
    "FR": ("paris", "巴黎", "lyon", "里昂"),
}  # fmt: skip
_CITY_LOOKUP = {name: code for code, names in CITY_COUNTRIES.items() for name in names}


def country_of_place(value: str) -> str | None:
    """The country a city or province name stands for: a city-state or territory ('Hong Kong', '香港特别行政区',
    'Singapore') or a well-known city abroad ('London', '多伦多'); None for other places."""
    place = canonical_place(value)
    if place is None:
        return None
    return _COUNTRY_LOOKUP.get(place) or _CITY_LOOKUP.get(place)


@remembered
def canonical_place(value: str) -> str | None:
    """'广东省' → '广东', '北京市' → '北京', 'Shenzhen City' → 'shenzhen'."""
    text = strip_accents(to_simplified(fold_text(value)))
    if text in JUNK_VALUES:
        return None
    text = _PUNCT.sub(" ", text).strip()
    stripped = _ADMIN_SUFFIX.sub("", text).strip() or text
    return PLACE_EXONYMS.get(stripped, stripped) or None


@remembered
def canonical_address(value: str) -> str | None:
    text = strip_accents(to_simplified(fold_text(value)))
    if text in JUNK_VALUES:
        return None
    words = _PUNCT.sub(" ", text).split()
    return " ".join(_ABBREVIATIONS.get(w, w) for w in words) or None


def canonical_postcode(value: str) -> str | None:
    text = re.sub(r"[\s\-]", "", fold_text(value)).upper()
    text = re.sub(r"\.0+$", "", text)  # 2600.0 from a spreadsheet
    if not text or text.lower() in JUNK_VALUES or set(text) <= {"0"}:
        return None
    return text


def normalise_country(s: pd.Series) -> pd.Series:
    """ISO 3166 alpha-2 for the names people write ('中国', 'PRC', 'Hong Kong'), else the folded value."""
    return map_unique(s, canonical_country)


def normalise_place(s: pd.Series) -> pd.Series:
    """Province / city without administrative suffixes, simplified, lower-case Latin."""
    return map_unique(s, canonical_place)


def normalise_address(s: pd.Series) -> pd.Series:
    """Address text: NFKC, simplified, punctuation → spaces, common Latin abbreviations expanded."""
    return map_unique(s, canonical_address)


def normalise_postcode(s: pd.Series) -> pd.Series:
    return map_unique(s, canonical_postcode)
