"""Hanzi helpers: simplified/traditional folding (OpenCC) and romanisation keys.

Mandarin pinyin (pypinyin), Cantonese as Hong Kong identity cards and passports write it (the Hong Kong
Government Cantonese Romanisation: 陳大文 Chan Tai Man, 郭家華 Kwok Ka Wah, from the Jyutping readings of
cantonese-romanisation, imported as `cantoroman`) and Wade–Giles as Taiwanese passports write it (pypinyin's
WADEGILES style, ü as u: 玉君 Yu-Chun). Keys are lower-case syllables joined without spaces or tone marks, so
陳志強 → chen/zhiqiang, chan/chikeung, chen/chihchiang. A character no romaniser reads stays in the key as
itself (叶𠮷文 'ye𠮷wen'), so the name does not become another one (叶文 'yewen').
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache
from itertools import chain

import opencc
from pypinyin import Style, lazy_pinyin

from linkage.standardise._unique import remembered
from linkage.standardise.hangul import hangul_spellings, is_hangul
from linkage.standardise.kana import is_kana, kana_spellings

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]")
SYSTEMS = ("pinyin", "cantonese", "wade_giles")

# Surname readings that differ from the character's everyday reading.
SURNAME_PINYIN = {
    "单": "shan", "曾": "zeng", "解": "xie", "仇": "qiu", "区": "ou", "查": "zha", "朴": "piao", "盖": "ge",
    "乐": "yue", "缪": "miao", "覃": "qin", "召": "shao", "种": "chong", "秘": "bi", "翟": "zhai", "重": "chong",
    "华": "hua", "任": "ren", "燕": "yan", "尉迟": "yuchi", "万俟": "moqi", "长孙": "zhangsun", "单于": "chanyu",
    "乐正": "yuezheng", "柏": "bai", "藏": "zang", "折": "she", "句": "gou", "繁": "po", "员": "yun", "能": "nai", "那": "na",
}  # fmt: skip
COMPOUND_SURNAMES = frozenset(
    [
        "欧阳",
        "司马",
        "诸葛",
        "上官",
        "东方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "令狐",
        "长孙",
        "宇文",
        "司徒",
        "夏侯",
        "轩辕",
        "端木",
        "独孤",
        "南宫",
        "西门",
        "申屠",
        "钟离",
        "澹台",
        "公羊",
        "闻人",
        "万俟",
        "赫连",
        "呼延",
        "百里",
        "东郭",
        "太史",
        "濮阳",
        "淳于",
        "单于",
        "司空",
        "羊舌",
        "拓跋",
        "第五",
        "公冶",
        "仲孙",
        "叱干",
        "完颜",
        "左丘",
        "梁丘",
        "谷梁",
        "宰父",
        "乐正",
        "壤驷",
        "漆雕",
        "巫马",
        "段干",
        "公西",
        "亓官",
        "司寇",
        "颛孙",
        "子车",
        "东门",
        "鲜于",
        "闾丘",
        "公良",
        "锺离",  # 钟离 with the variant 锺
    ]
)


@cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@cache
def _s2t() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


@cache
def _cantonese():
    import cantoroman  # cantonese-romanisation: its data loads on first use

    return cantoroman.Cantonese()


def has_han(text: str) -> bool:
    return HAN.search(text) is not None


def to_simplified(text: str) -> str:
    return _t2s().convert(text) if has_han(text) else text


def _unread(chars: str) -> list[str]:
    """Characters pypinyin has no reading of: kept as themselves (module docstring)."""
    return list(chars)


def _syllables_pinyin(hanzi: str, surname: bool) -> list[str]:
    if surname and hanzi in SURNAME_PINYIN:
        return [SURNAME_PINYIN[hanzi]]
    return lazy_pinyin(hanzi, style=Style.NORMAL, errors=_unread, v_to_u=False)


def _syllables_wade_giles(hanzi: str) -> list[str]:
    # pypinyin writes ü as 'v' (玉 'yv'); Taiwanese passports drop the diaeresis (玉君 Yu-Chun, 呂 Lu)
    out = lazy_pinyin(hanzi, style=Style.WADEGILES, errors=_unread)
    return [s if has_han(s) else _ascii(s).replace("'", "").replace("v", "u") for s in out]


# Jyutping → Hong Kong Government Cantonese Romanisation (the spelling of identity cards, passports and so of
# CRM exports): initials, then finals; an initial + final pair in _HK_SYLLABLE overrides both.
_COLLOQUIAL = re.compile(r"e(ng|k)\d*$")
_JYUTPING = re.compile(r"(gw|kw|ng|[bpmfdtnlgkhwzcsj]?)([a-z]*)")
_HK_INITIAL = {"b": "p", "d": "t", "g": "k", "gw": "kw", "z": "ch", "c": "ch", "j": "y"}
_HK_FINAL = {
    "aa": "a", "aai": "ai", "aau": "au", "aam": "am", "aan": "an", "aang": "ang", "aap": "ap", "aat": "at",
    "aak": "ak", "ou": "o", "oe": "eu", "oeng": "eung", "oek": "euk", "eoi": "ui", "eon": "un", "eot": "ut",
    "yu": "u", "yun": "uen", "yut": "uet", "un": "oon", "i": "i",
}  # fmt: skip
_HK_SYLLABLE = {
    "si": "sze", "zi": "chi", "ci": "chi", "ji": "yee", "waa": "wah", "gu": "koo", "ku": "koo", "syu": "shu",
    "soeng": "sheung", "sek": "shek", "seon": "shun", "suk": "shuk", "sam": "sum",
}  # fmt: skip
# Characters whose customary spelling the rules above do not give: as surnames (曾 Tsang, 李 Lee, 周 Chow …),
# then anywhere in a name (子 Tsz: 曾子傑 Tsang Tsz Kit).
HK_SURNAMES = {
    "曾": "tsang", "謝": "tse", "徐": "tsui", "崔": "tsui", "曹": "tso", "周": "chow", "李": "lee", "利": "lee",
    "羅": "law", "邵": "shiu", "岑": "sham", "沈": "shum", "單": "shin",
    "佘": "seh", "石": "shek", "傅": "foo", "符": "foo", "仇": "kau", "解": "kai", "鄒": "chow",
}  # fmt: skip
# Other spellings of a surname in use beside the customary one (葉 Ip, 徐 Chui, 曹 Cho, 羅 Lo, 李 Lei in Macau):
# a Latin surname's Cantonese key is the customary spelling, its pinyin key stays as written (左 'cho' still meets it).
HK_OTHER_SPELLINGS = {
    "ip": "yip",
    "chui": "tsui",
    "cho": "tso",
    "woo": "wu",
    "lo": "law",
    "lei": "lee",
    "tsoi": "choi",
}
HK_CHARACTERS = {"子": "tsz", "紫": "tsz", "梓": "tsz", "慈": "tsz", "祖": "cho", "成": "shing", "誠": "shing",
                 "城": "shing", "承": "shing", "盛": "shing", "深": "sham"}  # fmt: skip


def hk_romanisation(jyutping: str) -> str:
    """One Jyutping syllable ('gwok3', 'daai6') in the Hong Kong government's spelling ('kwok', 'tai')."""
    syllable = jyutping.lower().rstrip("0123456789")
    if syllable in _HK_SYLLABLE:
        return _HK_SYLLABLE[syllable]
    parts = _JYUTPING.fullmatch(syllable)
    if parts is None:  # not a Jyutping syllable (a stray byte in the library's data)
        return re.sub("[^a-z]", "", syllable)
    initial, final = parts.groups()
    if initial in ("m", "ng") and not final:
        return syllable  # 吳 Ng, 唔 M
    return _HK_INITIAL.get(initial, initial) + _HK_FINAL.get(final, final)


@cache
def _hk_reading(char: str, surname: bool) -> str | None:
    """The Hong Kong government spelling of a traditional character; of its Jyutping readings the first whose
    spelling the library also lists (its list is HK-style spellings, unranked: 華 'wa', 'wah'; its Jyutping
    list puts 華 faa1 first), else the first."""
    if surname and char in HK_SURNAMES:
        return HK_SURNAMES[char]
    if char in HK_CHARACTERS:
        return HK_CHARACTERS[char]
    converter = _cantonese()
    listed = converter.charToRoman.get(char) or [None]
    # names take the literary reading: 平 ping4, not the colloquial peng4 listed first
    jyutping = sorted(
        filter(None, converter.charToLshk.get(char, ())), key=lambda r: _COLLOQUIAL.search(r) is not None
    )
    readings = [hk_romanisation(r) for r in jyutping]
    return next((r for r in readings if r in listed), readings[0] if readings else listed[0])


def _syllables_cantonese(hanzi: str, surname: bool) -> list[str]:
    out = []
    traditional = _s2t().convert(hanzi)
    # a compound surname (歐陽, 司徒) reads by the rules; a single one may have a customary spelling
    single = surname and len(traditional) == 1
    for char in traditional:
        reading = _hk_reading(char, single)
        if reading:
            out.append(reading)
        elif has_han(char):  # no Cantonese reading known: fall back to Mandarin
            out.extend(lazy_pinyin(char, errors=_unread))
    return out


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


# Not bounded, emptied between the job's steps (forget()): ~150 MB per 500k names at 150k customers.
@remembered(maxsize=None)
def romanise(text: str, system: str = "pinyin", surname: bool = False) -> str:
    """Latin key of `text`: Han characters romanised in `system` (those none reads kept), hangul and kana too
    (their spellings fill the three systems' slots: hangul.py, kana.py), Latin letters kept (accents dropped),
    everything else dropped: a name in another script (иван) has no key, so it is compared as missing, not as a
    different name, against its romanised form (Ivan)."""
    if system not in SYSTEMS:
        raise ValueError(f"unknown romanisation {system!r}; use one of {SYSTEMS}")
    parts: list[str] = []
    for chunk in re.findall(rf"{HAN.pattern}+|[^\W\d_]+", text):
        if has_han(chunk):
            if system == "pinyin":
                parts.extend(_syllables_pinyin(chunk, surname))
            elif system == "cantonese":
                parts.extend(_syllables_cantonese(chunk, surname))
            else:
                parts.extend(_syllables_wade_giles(chunk))
        elif spellings := _korean_or_japanese(chunk, surname):
            parts.append(spellings[SYSTEMS.index(system)])
        elif system == "cantonese" and surname:
            parts.append(HK_OTHER_SPELLINGS.get(chunk.lower(), chunk))
        else:
            parts.append(chunk)
    return "".join(p if has_han(p) else _ascii(p.lower()) for p in parts)


def _korean_or_japanese(word: str, surname: bool) -> tuple[str, str, str] | None:
    """A word's spellings per key slot when it is written in hangul or kana."""
    if any(is_hangul(c) for c in word):
        return hangul_spellings(word, surname)
    if any(is_kana(c) for c in word):
        return kana_spellings(word)
    return None


def split_hanzi_name(name: str) -> tuple[str, str]:
    """(family, given) of a Han name written family-first: compound surnames (欧阳, 司马 …) recognised."""
    if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES:
        return name[:2], name[2:]
    return name[:1], name[1:]


# Common Chinese surnames; their romanisations decide the order of romanised names ('Zhang Wei').
COMMON_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟"
    "谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤欧区关麦伍温甘"
)

# Other spellings of them in use (Hong Kong, Macau, Singapore): 徐 Chui, 胡 Woo, 曹 Cho, 葉 Ip, 蕭 Siu …
OTHER_SURNAME_SPELLINGS = {
    "徐": ("chui",), "胡": ("woo",), "吴": ("woo",), "曹": ("cho",), "叶": ("ip",), "沈": ("sum", "sham"),
    "蔡": ("tsoi",), "肖": ("siu",), "邹": ("chau",),
}  # fmt: skip
# Hokkien, Teochew and Hakka spellings, as Singapore and Malaysia register them: 林 Lim, 王 Ong, 叶 Yap, 郭 Kuek …
DIALECT_SURNAME_SPELLINGS = {
    "林": ("lim",), "陈": ("tan",), "王": ("ong", "heng"), "黄": ("ng", "wee", "ooi"), "吴": ("goh", "ng"),
    "张": ("teo", "chong", "teoh"), "蔡": ("chua",), "许": ("koh",), "杨": ("yeo", "yeoh"), "沈": ("sim",),
    "杜": ("toh",), "郑": ("tay", "teh"), "谢": ("seah", "chia"), "徐": ("chee",), "朱": ("choo",), "马": ("beh",),
    "邱": ("khoo", "hew"), "郭": ("kuek", "quek"), "胡": ("foo",), "刘": ("low", "liew"), "白": ("peh",),
    "孙": ("sng",), "梁": ("neo",), "罗": ("loh",), "叶": ("yap", "yeap"), "苏": ("soh",), "卢": ("loo",),
    "潘": ("phua",), "廖": ("leow", "liaw"), "魏": ("gwee",), "洪": ("ang",), "钟": ("cheong",),
}  # fmt: skip


# Further single-character surnames, most of the 200 most frequent: they recognise a Hanzi name typed into one
# name field (names.is_whole_name). Not in COMMON_SURNAMES, whose romanisations decide the order of Latin names;
# those that often start a given name (文, 明, 国, 海, 强, 安 …) are left out.
OTHER_SURNAMES = (
    "萧常康施牛樊葛邢齐易乔庞颜倪庄聂章鲁岳殷詹申耿焦俞左柳祝包符舒阮柯纪童毕季裴霍涂苗谷曲翁冉骆蓝路游辛靳管"
    "柴蒙鲍喻祁蒲房滕屈饶牟尤穆农卓古吉简车项连芦褚娄窦戚岑党宫费卜席瞿桂佟臧闵苟邬边卞姬栾隋商刁沙巫寇桑郎甄"
    "丛仲虞敖巩佘池麻苑迟邝封谈匡鞠荆冀胥班储栗鄢劳谌奚皮粟冼蔺"
)


@cache
def known_surnames() -> frozenset[str]:
    """Surnames in Hanzi the module knows: the common and other ones, those with a surname reading, compounds."""
    return frozenset(COMMON_SURNAMES + OTHER_SURNAMES) | frozenset(SURNAME_PINYIN) | COMPOUND_SURNAMES


@cache
def surname_rank() -> dict[str, int]:
    """Romanised common surname → rank by frequency (0 = 王/wang); decides 'Wei Wang' vs 'Wang Wei'."""
    rank: dict[str, int] = {}
    for i, char in enumerate(COMMON_SURNAMES):
        for spelling in (
            *(romanise(char, s, surname=True) for s in SYSTEMS),
            *OTHER_SURNAME_SPELLINGS.get(char, ()),
            *DIALECT_SURNAME_SPELLINGS.get(char, ()),
        ):
            rank.setdefault(spelling, i)
    return rank


def surname_romanisations() -> frozenset[str]:
    return frozenset(surname_rank())


@cache
def pinyin_syllables() -> frozenset[str]:
    """Every toneless Mandarin syllable pypinyin knows ('zhang', 'wei', …)."""
    from pypinyin.pinyin_dict import pinyin_dict

    return _toneless(pinyin_dict.values())


def _toneless(readings: Iterable[str]) -> frozenset[str]:
    """The toneless syllables of pypinyin readings ('zhāng,cháng', …)."""
    out = set()
    for reading in chain.from_iterable(r.split(",") for r in readings):
        out.add(_ascii(reading))
    return frozenset(s for s in out if s.isalpha())


# Interjections among the common characters' readings (哦 o, 哟 yo): never a name's syllable; with them 'leo'
# (le-o) would read as pinyin.
INTERJECTIONS = frozenset({"o", "yo"})


@cache
def name_syllables() -> frozenset[str]:
    """The syllables a name is written in: the readings of the 3,755 common characters (GB2312 level 1)
    without the interjections. pypinyin's every character holds rare ones ('len', 'n'), with which 'helen'
    reads as pinyin."""
    from pypinyin.pinyin_dict import pinyin_dict

    common = [c for c in range(0x4E00, 0xA000) if _common_character(chr(c))]
    return _toneless(pinyin_dict[c] for c in common) - INTERJECTIONS


def _common_character(char: str) -> bool:
    """A character of GB2312's first level (its first byte 0xB0…0xD7)."""
    try:
        return 0xB0 <= char.encode("gb2312")[0] <= 0xD7
    except UnicodeEncodeError:
        return False


def _segmentable(text: str, syllables: frozenset[str]) -> bool:
    ok = [True] + [False] * len(text)
    for end in range(1, len(text) + 1):
        ok[end] = any(ok[start] and text[start:end] in syllables for start in range(max(0, end - 6), end))
    return ok[-1]


def reads_as_pinyin(text: str) -> bool:
    """Whether every word of `text` ('haoran', 'yu-ling') is a name's pinyin syllables ('kevin', 'helen' and
    'leo' are not; 'linda' is)."""
    words = text.lower().replace("-", " ").split()
    return bool(words) and all(_segmentable(w, name_syllables()) for w in words)


def split_run_on_pinyin(token: str) -> tuple[str, str] | None:
    """'wangwei' → ('wang', 'wei'): a name typed without a space, when it is a surname + pinyin syllables."""
    syllables = pinyin_syllables()
    surnames = {romanise(c, "pinyin", surname=True) for c in COMMON_SURNAMES}
    for size in range(min(len(token) - 1, 6), 0, -1):
        family, given = token[:size], token[size:]
        if family in surnames and len(given) >= 2 and _segmentable(given, syllables):
            return family, given
    return None
