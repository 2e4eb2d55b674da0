"""Hanzi helpers: simplified/traditional folding (OpenCC) and romanisation keys.

Mandarin pinyin (pypinyin), Cantonese as written in Hong Kong (cantonese-romanisation, imported as
`cantoroman`) and Wade–Giles as used in Taiwan (pypinyin's WADEGILES style). Keys are lower-case syllables
joined without spaces or tone marks, so 陳志強 → chen/zhiqiang, chan/chikeung, chen/chihchiang.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import opencc
from pypinyin import Style, lazy_pinyin

from linkage.standardise._unique import remembered

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


def _syllables_pinyin(hanzi: str, surname: bool) -> list[str]:
    if surname and hanzi in SURNAME_PINYIN:
        return [SURNAME_PINYIN[hanzi]]
    return lazy_pinyin(hanzi, style=Style.NORMAL, errors="ignore", v_to_u=False)


def _syllables_wade_giles(hanzi: str) -> list[str]:
    out = lazy_pinyin(hanzi, style=Style.WADEGILES, errors="ignore")
    return [unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode().replace("'", "") for s in out]


def _syllables_cantonese(hanzi: str) -> list[str]:
    out = []
    converter = _cantonese()
    for char in _s2t().convert(hanzi):
        readings = converter.getRoman(char)
        if readings and readings[0]:
            out.append(readings[0][0])
        elif has_han(char):  # no Cantonese reading known: fall back to Mandarin
            out.extend(lazy_pinyin(char, errors="ignore"))
    return out


# Not bounded, emptied between the job's steps (forget()): ~150 MB per 500k names at 150k customers.
@remembered(maxsize=None)
def romanise(text: str, system: str = "pinyin", surname: bool = False) -> str:
    """Latin key of `text`: Han characters romanised in `system`, Latin letters kept, everything else dropped."""
    if system not in SYSTEMS:
        raise ValueError(f"unknown romanisation {system!r}; use one of {SYSTEMS}")
    parts: list[str] = []
    for chunk in re.findall(rf"{HAN.pattern}+|[^\W\d_]+", text):
        if has_han(chunk):
            if system == "pinyin":
                parts.extend(_syllables_pinyin(chunk, surname))
            elif system == "cantonese":
                parts.extend(_syllables_cantonese(chunk))
            else:
                parts.extend(_syllables_wade_giles(chunk))
        else:
            parts.append(chunk)
    joined = "".join(parts).lower()
    return unicodedata.normalize("NFKD", joined).encode("ascii", "ignore").decode()


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
        for system in SYSTEMS:
            rank.setdefault(romanise(char, system, surname=True), i)
    for extra in ("lee", "chang", "cheung", "chiu", "tsang", "tse", "yip", "ng", "kwok", "kwan"):
        rank.setdefault(extra, len(COMMON_SURNAMES))
    return rank


def surname_romanisations() -> frozenset[str]:
    return frozenset(surname_rank())


@cache
def pinyin_syllables() -> frozenset[str]:
    """Every toneless Mandarin syllable pypinyin knows ('zhang', 'wei', …)."""
    from pypinyin.pinyin_dict import pinyin_dict

    out = set()
    for readings in pinyin_dict.values():
        for reading in readings.split(","):
            out.add(unicodedata.normalize("NFKD", reading).encode("ascii", "ignore").decode())
    return frozenset(s for s in out if s.isalpha())


def _segmentable(text: str, syllables: frozenset[str]) -> bool:
    ok = [True] + [False] * len(text)
    for end in range(1, len(text) + 1):
        ok[end] = any(ok[start] and text[start:end] in syllables for start in range(max(0, end - 6), end))
    return ok[-1]


def split_run_on_pinyin(token: str) -> tuple[str, str] | None:
    """'wangwei' → ('wang', 'wei'): a name typed without a space, when it is a surname + pinyin syllables."""
    syllables = pinyin_syllables()
    surnames = {romanise(c, "pinyin", surname=True) for c in COMMON_SURNAMES}
    for size in range(min(len(token) - 1, 6), 0, -1):
        family, given = token[:size], token[size:]
        if family in surnames and len(given) >= 2 and _segmentable(given, syllables):
            return family, given
    return None
