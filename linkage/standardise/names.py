"""Person names: canonical form, script, family/given split, romanisation keys (vectorised, cached)."""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

import pandas as pd

from linkage.standardise._unique import map_unique, remembered
from linkage.standardise.chinese import (
    COMPOUND_SURNAMES,
    has_han,
    known_surnames,
    reads_as_pinyin,
    romanise,
    split_hanzi_name,
    split_run_on_pinyin,
    surname_rank,
    to_simplified,
)
from linkage.standardise.compound_surnames import (
    camel_words,
    compound_of,
    merge_spaced,
    split_joined,
    syllable_count,
)
from linkage.standardise.hangul import SURNAME_SPELLINGS, is_hangul, korean_family_first, surname_ranks
from linkage.standardise.japanese_surnames import (
    is_romaji_surname,
    iteration_marks_doubled,
    japanese_family_first,
    japanese_surnames,
    split_japanese,
)
from linkage.standardise.kana import is_kana
from linkage.standardise.text import JUNK_VALUES, fold_text, strip_accents

HONORIFICS_LATIN = frozenset(
    {"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "madam", "mme", "herr", "frau"}
)
# Trailing words after a Latin name that are no part of it: 'John Smith Jr.', 'Wang Wei, PhD'.
NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "phd", "md", "esq", "mba", "cpa", "cfa"})
HONORIFICS_HAN = ("先生", "女士", "小姐", "太太", "夫人", "老师", "经理", "总", "博士", "教授")
# Words that start or join a family name ('van der Berg', 'de Souza', 'bin Ahmad'): such a value is no whole name.
SURNAME_PARTICLES = frozenset(
    {"van", "von", "der", "den", "de", "del", "della", "di", "da", "das", "dos", "du", "la", "le", "st", "ter",
     "ten", "bin", "binti", "al", "el", "mac", "mc"}
)  # fmt: skip
_LATIN_DROP = re.compile(r"[^a-z\s'\-,]")
# Latin letters no accent stripping reaches: Søren, Łukasz, Straße, Ægir
_LATIN_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "ß": "ss", "đ": "d", "ł": "l", "œ": "oe", "þ": "th", "ð": "d",
                                "ı": "i"})  # fmt: skip
# a name in another script keeps its letters and combining marks
_OTHER_DROP = re.compile(r"[^\w\s'\-,]|[\d_]")
# a Latin nickname in brackets after or before the name: 'Chen Chia-Hao (Jason)'
_NICKNAME = re.compile(r"[(（]\s*[A-Za-z][A-Za-z .'\-]*[)）]")
_HAN_DROP = re.compile(r"[\s·•・.\-_,，()（）]")
# a note in brackets beside a Chinese name: 王伟（已离职）, 王伟（经理）, 王伟(Wang Wei)
_BRACKETED = re.compile(r"\([^()]*\)")


class NameParts(NamedTuple):
    full: str | None  # canonical: simplified Hanzi without spaces, or lower-case Latin words
    script: str | None  # hanzi | latin | other | mixed
    family: str | None
    given: str | None


def name_script_of(text: str) -> str | None:
    """hanzi | latin | other (hangul, kana, Cyrillic, Greek…: no Han, no Latin letter) | mixed, of a canonical name."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return None
    han = sum(1 for c in letters if has_han(c))
    other = sum(1 for c in letters if _other_letter(c))
    if han == len(letters):
        return "hanzi"
    if other == len(letters):
        return "other"
    return "latin" if han == 0 and other == 0 else "mixed"


def _other_letter(c: str) -> bool:
    """A letter neither Han nor Latin (김, た, и, λ)."""
    return c.isalpha() and not c.isascii() and "LATIN" not in unicodedata.name(c, "") and not has_han(c)


def has_other_script(text: str) -> bool:
    """Whether `text` holds a letter of a script neither Latin nor Han (hangul, kana, Cyrillic, Greek…)."""
    return any(_other_letter(c) for c in text)


@remembered
def canonical_name(value: str) -> str | None:
    text = to_simplified(fold_text(value))
    if text in JUNK_VALUES:
        return None
    if "々" in text:  # 佐々木 is 佐佐木
        text = iteration_marks_doubled(text)
    if has_han(text):
        unbracketed = _BRACKETED.sub("", text)
        text = _HAN_DROP.sub("", unbracketed if has_han(unbracketed) else text)
        for title in HONORIFICS_HAN:  # 王先生 → 王
            if text.endswith(title) and len(text) > len(title):
                text = text[: -len(title)]
        return text or None
    # 김민준, たかはし まこと, Иван Петров: their letters kept (an accent is a letter there)
    if has_other_script(text):
        text = _OTHER_DROP.sub(" ", text.replace(".", " "))
    else:
        text = _LATIN_DROP.sub(" ", strip_accents(text).translate(_LATIN_LETTERS).replace(".", " "))
    words = [w.strip("'-") for w in text.replace(",", " , ").split()]
    words = [w for w in words if w and w not in HONORIFICS_LATIN]
    while len(words) > 2 and words[-1] in NAME_SUFFIXES | {","}:
        words.pop()
    text = " ".join(words).replace(" , ", ", ").strip(", ")
    return text or None


@remembered
def parse_name(value: str, japan: bool = False) -> NameParts:
    """'張偉' → 张伟/hanzi/张/伟; 'ZHANG Wei' and 'Wei Zhang' → family zhang, given wei; 'Smith, John'.
    `japan`: the record is in Japan, so a name in kanji is read as Japanese (japanese_surnames)."""
    value = _without_nickname(value)
    full = canonical_name(value)
    if full is None:
        return NameParts(None, None, None, None)
    script = name_script_of(full)
    kana = script == "mixed" and any(is_kana(c) for c in full) and any(has_han(c) for c in full)
    if kana:  # 山田さくら, 山田 さくら Sakura: kanji and kana, a Japanese name (any Latin word an alias)
        full = "".join(c for c in full if has_han(c) or is_kana(c))
    elif script == "mixed":  # 张伟 Kevin, 朱海燕sunny: the Hanzi name, without the English alias
        han = "".join(c for c in full if has_han(c))
        if len(han) >= 2:
            full, script = han, "hanzi"
    if _family_name_only(value, full):  # '欧阳先生', 'Mr Ouyang', 'Ms Au-Yeung'
        return NameParts(full, script, full, None)
    if script == "hanzi" or kana:
        family, given = _hanzi_parts(value, full, japan or kana)
        return NameParts(full, script, family, given or None)
    if script == "other" and "," not in full:
        family, given = _other_script_parts(full)
        return NameParts(full, script, family, given)
    if "," in full:  # 'Family, Given'
        family, _, given = full.partition(",")
        return NameParts(full.replace(",", ""), script, family.strip() or None, given.strip() or None)
    camel = camel_words(value)
    words = camel or full.split()
    if camel:
        full = " ".join(camel)
    if len(words) == 1:
        split = split_joined(words[0]) or split_run_on_pinyin(words[0])  # 'ouyanghaoran', 'wangwei'
        if split:
            return NameParts(f"{split[0]} {split[1]}", script, split[0], split[1])
        return NameParts(full, script, words[0], None)
    family, given = _family_and_given(merge_spaced(words), value)
    return NameParts(full, script, family, given)


@remembered
def is_whole_name(value: str) -> bool:
    """Whether a value typed into one name field, the other left empty, is a whole name: 2-4 Hanzi after a
    known surname ('李强婷', '欧阳浩然'), or two or more Latin words ('Wei Zhang', 'Jennifer Smith'). Chinese
    CRMs type the whole name into Last Name, Salesforce's required field, and one-name forms fill First Name.
    Not: a surname alone ('王', '欧阳', 'Huang', 'Au Yeung', 'van der Berg', '王先生'), an initial ('John A.'),
    a given name written apart in syllables none of which is a surname ('Ka Man')."""
    parts = parse_name(value)
    if parts.family is None or parts.given is None or parts.full in COMPOUND_SURNAMES:
        return False
    if parts.script == "hanzi":
        if parts.family in japanese_surnames():  # 中村健一, 長谷川真由美
            return len(parts.given) <= 3
        return len(parts.full) <= 4 and parts.family in known_surnames()
    if parts.script != "latin":
        return False
    words = camel_words(value) or canonical_name(value).replace(",", " ").split()
    if (
        len(words) < 2
        or compound_of("".join(words))
        or SURNAME_PARTICLES & set(words)
        or len(parts.family) < 2
    ):
        return False
    surname = (
        parts.family in surname_rank()
        or compound_of(parts.family) is not None
        or parts.family in surname_ranks()  # Korean: 'Kim Min-jun'
        or is_romaji_surname(parts.family)  # Japanese: 'Yuta Yamamoto'
    )
    return surname or syllable_count(parts.full) is None


def _hanzi_parts(value: str, full: str, japanese: bool) -> tuple[str, str]:
    """(family, given) of a name in Han characters (kana among them, `japanese`): at the one space it was written
    with ('山田 浩二', '王 伟'), else a Japanese family name when the name reads Japanese (split_japanese), else
    the Chinese surname (split_hanzi_name)."""
    spaced = _spaced_parts(value, full)
    if spaced:
        return spaced
    if japanese and any(is_kana(c) for c in full):  # 山田さくら: the kanji before the kana
        head = next(i for i, c in enumerate(full) if not has_han(c))
        if head and all(is_kana(c) for c in full[head:]):
            return full[:head], full[head:]
    return split_japanese(full, japanese) or split_hanzi_name(full)


def _spaced_parts(value: str, full: str) -> tuple[str, str] | None:
    """A Han name written with one space between family and given name ('山田 浩二', '欧阳 浩然'): the two parts,
    when each is a name of one to three characters and together they are the whole canonical name."""
    words = _without_nickname(value).split()
    if len(words) != 2:
        return None
    family, given = (canonical_name(w) for w in words)
    if not family or not given or family + given != full or not (len(family) <= 3 and len(given) <= 3):
        return None
    return family, given


def _other_script_parts(full: str) -> tuple[str | None, str | None]:
    """(family, given) of a name in another script. Korean and Japanese are written family first: 김민준 is 김 +
    민준 (a two-syllable surname kept whole), 김 민준 and たかはし まこと split at the space. Others (Cyrillic, Greek…)
    given first, as a CRM's single name field holds them: Иван Петров is Петров + Иван; so is a Korean name
    whose last word alone is a surname (현우 조 is 조 + 현우). One word of any other script is kept as the family
    name."""
    words = full.split()
    east_asian = any(is_hangul(c) or is_kana(c) for c in full)
    if len(words) == 1:
        word = words[0]
        if all(is_hangul(c) for c in word) and 2 <= len(word) <= 4:
            # the two-syllable surnames (남궁, 황보, 제갈 …) are the table's only two-letter keys
            cut = 2 if word[:2] in SURNAME_SPELLINGS and len(word) > 2 else 1
            return word[:cut], word[cut:]
        return word, None
    if len(words) == 2 and words[1] in SURNAME_SPELLINGS and words[0] not in SURNAME_SPELLINGS:
        return words[1], words[0]
    if east_asian:
        return words[0], " ".join(words[1:])
    return words[-1], " ".join(words[:-1])


def _family_name_only(value: str, full: str) -> bool:
    """A compound surname alone after a title: the person is addressed by the family name (欧阳 alone could
    be 欧 + 阳)."""
    if not (full in COMPOUND_SURNAMES or (" " not in full and compound_of(full))):
        return False
    text = strip_accents(to_simplified(fold_text(value))).strip()
    return text.endswith(HONORIFICS_HAN) or bool(set(re.findall(r"[a-z]+", text)) & HONORIFICS_LATIN)


def _without_nickname(value: str) -> str:
    """The name without a nickname in brackets ('Choo Li (Ken)', 'Lam Mui-Sau (Fiona)'), when a name is left."""
    rest = _NICKNAME.sub(" ", value)
    return rest if rest != value and canonical_name(rest) else value


def _english_family_given(words: list[str], rank: dict[str, int]) -> bool:
    """'Raymond Chang I-Chih', 'Fiona Lam Mui-Sau', 'Emily Chee Xin Yu': an English name, then the Chinese name
    family first, as Hong Kong, Singapore and Taiwan write it. The first word is no surname and reads as no
    pinyin, the second is a surname, the rest a Chinese given name of one or two syllables (other than a
    surname alone: 'Mary Lee Chen' may be Chen by marriage)."""
    if len(words) < 3 or romanise(words[1]) not in rank or romanise(words[0]) in rank:
        return False
    rest = " ".join(words[2:])
    if syllable_count(rest) not in (1, 2) or (len(words) == 3 and romanise(words[2]) in rank):
        return False
    return not reads_as_pinyin(words[0]) and compound_of(words[0]) is None


def _family_and_given(words: list[str], value: str) -> tuple[str, str]:
    """Which end of a romanised name of 2+ words is the family name ('Raymond Chang I-Chih': the middle one)."""
    raw_words = [w for w in strip_accents(value).split() if w.lower().strip(".") not in HONORIFICS_LATIN]
    upper_first = bool(raw_words) and raw_words[0].isupper() and not raw_words[-1].isupper()
    rank = surname_rank()
    if not upper_first and _english_family_given(words, rank):
        return words[1], " ".join(words[2:])
    first, last = rank.get(romanise(words[0])), rank.get(romanise(words[-1]))
    # A compound surname spelt as one word ('Ouyang', 'Au-Yeung') is nobody's given name, when the other
    # words are Chinese syllables too ('Sima Patel' is not 司马).
    if compound_of(words[0]) and syllable_count(" ".join(words[1:])) is not None:
        first = -1
    elif compound_of(words[-1]) and syllable_count(" ".join(words[:-1])) is not None:
        last = -1
    # 'ZHANG Wei' (capitals mark the family name); 'Zhang Xiaoming'; 'Wang Wei' vs 'Wei Wang': both are
    # surnames, the more common one is the family name. A Japanese or Korean name says its own order.
    family_first = upper_first or (first is not None and (last is None or first < last))
    if not upper_first and first != -1 and last != -1:
        chinese = (first is not None or last is not None) and syllable_count(" ".join(words)) is not None
        family_first = _east_asian_family_first(words, family_first, chinese)
    if family_first:
        return words[0], " ".join(words[1:])
    return words[-1], " ".join(words[:-1])


def _east_asian_family_first(words: list[str], otherwise: bool, chinese: bool) -> bool:
    """The order of a romanised Japanese name ('Yamamoto Yuta', 'Yuta Yamamoto': japanese_family_first) or Korean
    one ('Kim Min-jun', 'Min-jun Kim', 'Park Mi Jeong': korean_family_first), else `otherwise`, the order Chinese
    surname ranks give. Those would read 'Kim Min-jun' as Min-jun + Kim (neither is a Chinese surname: the last
    word is) and 'Jeong Eun Ji' as 纪/吉 Ji. Japanese first: 'Ryu Sato' is Sato, not 류 Ryu. A name the ranks
    order that is Chinese syllables throughout (`chinese`: 'Chu Yu Hong', 朱 + 宇航, is also 주 Chu or 홍 Hong)
    keeps the Chinese order."""
    japanese = japanese_family_first(words)
    if japanese is not None:
        return japanese
    korean = None if chinese else korean_family_first(words)
    return otherwise if korean is None else korean


def normalise_name(s: pd.Series) -> pd.Series:
    """Canonical name: NFKC, simplified Hanzi, honorifics/punctuation dropped, placeholders → <NA>."""
    return map_unique(s, canonical_name)


def name_script(s: pd.Series) -> pd.Series:
    """hanzi | latin | mixed (of the canonical name), <NA> when there is no name."""
    return map_unique(normalise_name(s), name_script_of)


def whole_names(s: pd.Series) -> pd.Series:
    """Per value, whether it is a whole name typed into one name field (is_whole_name); False where missing."""
    return map_unique(s, is_whole_name, dtype="boolean").fillna(False).astype(bool)


def split_names(s: pd.Series, japan: pd.Series | None = None) -> pd.DataFrame:
    """Columns full_name, name_script, family_name, given_name from one raw full-name column. `japan`: per row,
    whether the record is in Japan (its names in kanji read as Japanese: parse_name)."""
    parts = map_unique(s, parse_name, dtype=None)
    if japan is not None and japan.any():
        parts[japan] = map_unique(s[japan], lambda v: parse_name(v, True), dtype=None)
    empty = NameParts(None, None, None, None)
    rows = [p if isinstance(p, tuple) else empty for p in parts]
    frame = pd.DataFrame(
        rows, index=s.index, columns=["full_name", "name_script", "family_name", "given_name"]
    )
    return frame.astype("string")


def romanised_key(s: pd.Series, system: str = "pinyin", surname: bool = False) -> pd.Series:
    """Latin key of each (canonical) name part: Hanzi romanised in `system`, Latin letters kept."""
    return map_unique(s, lambda v: romanise(v, system, surname) or None)


def pinyin_name(family: pd.Series, given: pd.Series) -> pd.Series:
    """'zhang wei' (family first, syllables of each part joined): the contract's `name_pinyin`."""
    fam = romanised_key(family, "pinyin", surname=True).fillna("")
    giv = romanised_key(given, "pinyin").fillna("")
    out = (fam + " " + giv).str.strip()
    return out.where(out != "", pd.NA).astype("string")
