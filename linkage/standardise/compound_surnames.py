"""Compound Chinese surnames (欧阳, 司马, 诸葛 …) in romanised names: where the family name ends.

A Hanzi name is split by `chinese.split_hanzi_name`. A romanised one has no character boundaries:
'ouyanghaoran' is 欧阳 + 浩然 or 欧/区 + 杨浩然, 'huangfuming' 皇甫 + 明 or 黄 + 富明. The rule, from the
evidence a name carries (parse_name applies it):

- A word that spells a compound on its own ('Ouyang', 'Ou-yang', 'Au-Yeung', 'Szeto', 'Sze-to', 'Shangkuan')
  is the family name, in either order, when the name's other words are Chinese syllables too ('Sima Patel':
  Sima is a given name there; 'Sima Wang' reads 司马 + 旺, nothing says otherwise). A hyphen or a capital
  inside a word ('OuyangHaoran') marks the boundary.
- Syllables written apart ('Ou Yang Haoran', 'Haoran Ou Yang') or run together ('ouyanghaoran') read as the
  compound when the single-surname reading would leave a given name of three or more syllables (欧 +
  杨浩然): Chinese given names have one or two. When both readings leave a usual given name the compound
  wins only when its spelling does not start with a common surname ('murongfu' → 慕容 + 复; 'huangfuming' →
  黄 + 富明, 'yuwenjie' → 于 + 文杰, 'Chan Yu Man' → 陈 + 宇文, not 单于 'chanyu' + 文) or when it outnumbers
  that reading (OUTNUMBERING: 'ouyangyang' → 欧阳 + 洋, 'simaguang' → 司马 + 光).
- Two words alone ('Ou Yang') are a family and a given name: a name has a given name. A compound alone is a
  family name only after a title ('欧阳先生', 'Mr Ouyang'; names.parse_name): 'ouyang' stays 欧 + 阳.

A romanised compound is then keyed as its Hanzi (prepare: 'Szeto', 'Situ' and 司徒 share their keys).
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from linkage.standardise.chinese import (
    COMPOUND_SURNAMES,
    SYSTEMS,
    pinyin_syllables,
    romanise,
    surname_romanisations,
)

# Spellings the romanisers do not write: Hong Kong / Macau registry (Szeto, Sheung-Kwun), Malaysia and
# Singapore (Au Yong), older US records (Owyang). Keys are letters only ('sze-to' → 'szeto').
OTHER_SPELLINGS = {
    "司徒": ("szeto", "seto", "sitou"), "欧阳": ("auyong", "owyang", "auyang"), "司马": ("szema", "szuma"),
    "上官": ("sheungkwun", "seungkwun"), "诸葛": ("chukot", "chukat"), "东方": ("tungfong",),
    "南宫": ("namkung",), "慕容": ("mooyung", "moyung"), "公孙": ("kungsuen",),
}  # fmt: skip
# Compounds read as such even where their spelling starts with a common surname: 欧阳 (about a million
# people) outnumbers 欧/区 followed by a given name starting with yang; 'si' is a common surname only as the
# Cantonese reading of 史, which Hong Kong writes 'Sze', not before a Mandarin given name ('simaguang').
OUTNUMBERING = frozenset({"欧阳", "司马", "司徒"})
_NOT_LETTER = re.compile(r"[^a-z]")
_CAMEL = re.compile(r"[A-Z][a-z]+")


def _letters(word: str) -> str:
    return _NOT_LETTER.sub("", word.lower())


@cache
def compound_spellings() -> dict[str, str]:
    """Latin key ('ouyang', 'auyeung', 'ssuma', 'szeto') → the compound in simplified Hanzi; a key two
    compounds share is left out."""
    seen: dict[str, set[str]] = {}
    for hanzi in COMPOUND_SURNAMES:
        keys = {romanise(hanzi, s, surname=True) for s in SYSTEMS} | set(OTHER_SPELLINGS.get(hanzi, ()))
        for key in keys:
            seen.setdefault(key, set()).add(hanzi)
    return {key: next(iter(h)) for key, h in seen.items() if len(h) == 1 and len(key) >= 4}


@cache
def _strong(spelling: str) -> bool:
    """Read as the compound when both readings leave a usual given name: the spelling does not start with a
    common surname in any romanisation ('sheungkwun', 'murong'), or the compound outnumbers that reading;
    'huangfu' (黄), 'yuwen' (于), 'chanyu' (陈, Cantonese) and 'zhuge' (朱) do."""
    if compound_spellings()[spelling] in OUTNUMBERING:
        return True
    common, syllables = surname_romanisations(), chinese_syllables()
    return not any(spelling[:i] in common and spelling[i:] in syllables for i in range(1, len(spelling)))


@cache
def chinese_syllables() -> frozenset[str]:
    """Toneless syllables in pinyin, Wade–Giles and the Cantonese spellings ('zhang', 'hsiao', 'keung')."""
    from cantoroman import Cantonese
    from pypinyin.style.wadegiles import to_wade_glides

    pinyin = pinyin_syllables()
    wade_giles = {_letters(to_wade_glides(s)) for s in pinyin}
    cantonese = {_letters(r) for readings in Cantonese().charToRoman.values() for r in readings}
    return frozenset(s for s in pinyin | wade_giles | cantonese if s)


def syllable_count(text: str) -> int | None:
    """Fewest Chinese syllables `text` ('yang haoran', 'ka-man') is written in, each word on its own (a
    hyphen joins syllables); None if it is not Chinese syllables."""
    total = 0
    syllables = chinese_syllables()
    for word in filter(None, map(_letters, text.split())):
        best = [0] + [None] * len(word)
        for end in range(1, len(word) + 1):
            counts = [best[s] + 1 for s in range(max(0, end - 7), end) if best[s] is not None and word[s:end] in syllables]  # fmt: skip
            best[end] = min(counts) if counts else None
        if best[-1] is None:
            return None
        total += best[-1]
    return total


def compound_of(word: str) -> str | None:
    """The compound (simplified Hanzi) a romanised word spells, hyphens and case aside: 'Au-Yeung' → 欧阳."""
    return compound_spellings().get(_letters(word))


def reads_as_compound(spelling: str, given_syllables: int | None) -> bool:
    """Whether a compound's spelling ('ouyang') followed by a given name of `given_syllables` is the better
    reading (module rule)."""
    if spelling not in compound_spellings() or given_syllables is None:
        return False
    return given_syllables >= 2 or (given_syllables == 1 and _strong(spelling))


def split_joined(word: str) -> tuple[str, str] | None:
    """'ouyanghaoran' → ('ouyang', 'haoran'): a compound run into its given name, when the rule reads it so."""
    for size in range(min(len(word) - 1, 10), 3, -1):
        if reads_as_compound(word[:size], syllable_count(word[size:])):
            return word[:size], word[size:]
    return None


def merge_spaced(words: list[str]) -> list[str]:
    """'ou yang haoran' → ['ouyang', 'haoran'], 'haoran ou yang' → ['haoran', 'ouyang']: a compound's
    syllables written apart, joined when the rule reads them so (two words alone are never joined)."""
    if len(words) < 3:
        return words
    if reads_as_compound(_letters(words[0] + words[1]), syllable_count(" ".join(words[2:]))):
        return [words[0] + words[1], *words[2:]]
    if reads_as_compound(_letters(words[-2] + words[-1]), syllable_count(" ".join(words[:-2]))):
        return [*words[:-2], words[-2] + words[-1]]
    return words


def camel_words(raw: str) -> list[str] | None:
    """'OuyangHaoran' → ['ouyang', 'haoran']: one word whose capitals mark where a compound surname ends
    (or its syllables: 'OuYangHaoran'); None when they mark no compound ('WangWei' is left as it was)."""
    word = unicodedata.normalize("NFKC", raw).strip()
    parts = _CAMEL.findall(word)
    if len(parts) < 2 or "".join(parts) != word:
        return None
    words = [p.lower() for p in parts]
    if compound_of(words[0]) or compound_of(words[-1]) or merge_spaced(words) != words:
        return words
    return None
