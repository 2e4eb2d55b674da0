"""Japanese names in kana romanised (Hepburn), so that たかはし まこと meets 'Makoto Takahashi'.

Katakana folds to hiragana; a small ゃ/ゅ/ょ makes a digraph (きょ 'kyo', しゃ 'sha'); っ doubles the next consonant
(っち 'tchi'); ー repeats the vowel before it. Long vowels are written three ways, one per key slot (as the
Chinese romanisations fill them, chinese.SYSTEMS): as a passport writes them (さとう 'sato', ゆうき 'yuki'), as
typed kana by kana ('satou', 'yuuki') and with an h ('satoh'). Kanji names need a dictionary and are not read here.
"""

from __future__ import annotations

_ROWS = {
    "": "あいうえお", "k": "かきくけこ", "s": "さしすせそ", "t": "たちつてと", "n": "なにぬねの", "h": "はひふへほ",
    "m": "まみむめも", "y": "や\0ゆ\0よ", "r": "らりるれろ", "w": "わゐ\0ゑを", "g": "がぎぐげご", "z": "ざじずぜぞ",
    "d": "だぢづでど", "b": "ばびぶべぼ", "p": "ぱぴぷぺぽ",
}  # fmt: skip
_IRREGULAR = {"し": "shi", "ち": "chi", "つ": "tsu", "ふ": "fu", "じ": "ji", "ぢ": "ji", "づ": "zu", "ゐ": "i",
              "ゑ": "e", "を": "o", "ん": "n", "ゔ": "vu", "ぁ": "a", "ぃ": "i", "ぅ": "u", "ぇ": "e", "ぉ": "o"}  # fmt: skip
_SMALL_Y = {"ゃ": "a", "ゅ": "u", "ょ": "o"}


def _syllables() -> dict[str, str]:
    table = {
        kana: consonant + vowel
        for consonant, row in _ROWS.items()
        for kana, vowel in zip(row, "aiueo", strict=True)
    }
    table.pop("\0", None)
    return table | _IRREGULAR


_KANA = _syllables()


def is_kana(c: str) -> bool:
    """Hiragana or katakana, the prolonged sound mark ー included."""
    return "\u3041" <= c <= "\u30ff"


def _hiragana(text: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "\u30a1" <= c <= "\u30f6" else c for c in text)


def hepburn(text: str) -> str:
    """Kana in Hepburn, long vowels as typed ('さとう' → 'satou', 'リョウコ' → 'ryouko'); other characters kept."""
    out: list[str] = []
    double = False
    for char in _hiragana(text):
        if char in _SMALL_Y and out and out[-1].endswith("i") and len(out[-1]) > 1:
            stem = out[-1][:-1]  # き 'ki' → 'ky', し 'shi' → 'sh', じ 'ji' → 'j'
            out[-1] = (stem if stem.endswith(("sh", "ch", "j")) else stem + "y") + _SMALL_Y[char]
        elif char == "っ":
            double = True
        elif char == "ー":
            out.append(out[-1][-1] if out and out[-1][-1] in "aiueo" else "")
        else:
            syllable = _KANA.get(char, char)
            if double and syllable[0] not in "aiueon":
                syllable = ("t" if syllable.startswith("ch") else syllable[0]) + syllable
            double = False
            out.append(syllable)
    return "".join(out)


def kana_spellings(text: str) -> tuple[str, str, str]:
    """Three Latin spellings of a kana name part, one per key slot: passport ('sato', 'ono', 'yuki'), as typed
    ('satou', 'oono', 'yuuki'), with an h ('satoh', 'ohno', 'yuki')."""
    typed = hepburn(text)
    passport = typed.replace("ou", "o").replace("oo", "o").replace("uu", "u")
    with_h = typed.replace("ou", "oh").replace("oo", "oh").replace("uu", "u")
    return passport, typed, with_h
