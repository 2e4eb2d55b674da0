"""Hong Kong people's names as their identity cards spell them (the Hong Kong Government Cantonese Romanisation:
陳大文 Chan Tai Man, 郭家華 Kwok Ka Wah, 曾子傑 Tsang Tsz Kit), Taiwanese passports' Wade–Giles without the
diaeresis (張玉君 Chang Yu-Chun), and characters no romaniser reads."""

import pytest

from linkage.standardise import chinese
from linkage.standardise.chinese import romanise
from tests.test_linkage_compare import _levels, _persons

# Common Hong Kong surnames (traditional) and their identity-card spelling.
HK_SURNAMES = {
    "陳": "chan", "張": "cheung", "曾": "tsang", "郭": "kwok", "黃": "wong", "吳": "ng", "李": "lee", "梁": "leung",
    "謝": "tse", "周": "chow", "鄭": "cheng", "劉": "lau", "何": "ho", "楊": "yeung", "朱": "chu", "馮": "fung",
    "林": "lam", "黎": "lai", "賴": "lai", "許": "hui", "徐": "tsui", "葉": "yip", "關": "kwan", "麥": "mak",
    "蕭": "siu", "鄧": "tang", "羅": "law", "趙": "chiu", "孫": "suen", "高": "ko", "蔡": "choi", "曹": "tso",
    "潘": "poon", "古": "koo", "袁": "yuen", "呂": "lui", "歐陽": "auyeung", "司徒": "szeto",
}  # fmt: skip
# Given-name characters and their identity-card spelling.
HK_GIVEN = {
    "大": "tai", "文": "man", "家": "ka", "華": "wah", "小": "siu", "明": "ming", "子": "tsz", "傑": "kit",
    "志": "chi", "強": "keung", "永": "wing", "健": "kin", "俊": "chun", "源": "yuen", "興": "hing", "國": "kwok",
    "輝": "fai", "偉": "wai", "嘉": "ka", "麗": "lai", "玉": "yuk", "君": "kwan", "美": "mei", "儀": "yee",
    "詩": "sze", "雅": "nga", "欣": "yan", "穎": "wing", "晴": "ching", "秀": "sau", "霞": "ha", "平": "ping",
    "桂": "kwai", "海": "hoi", "曉": "hiu", "東": "tung", "淑": "shuk", "信": "shun", "月": "yuet", "德": "tak",
}  # fmt: skip


def _name_levels(hanzi: tuple[str, str], latin: tuple[str, str]) -> tuple[int, int]:
    """(family, given) comparison levels of a Hanzi record and a Latin one sharing an e-mail (top 3)."""
    levels = _levels(
        _persons(
            {"family_name": hanzi[0], "given_name": hanzi[1], "emails": ["same@gmail.com"]},
            {"family_name": latin[0], "given_name": latin[1], "emails": ["same@gmail.com"]},
        )
    )
    pair = levels.set_index(["l", "r"]).loc[(0, 1)]
    return int(pair.g_family_name), int(pair.g_given_name)


def test_common_surnames_as_identity_cards_spell_them():
    got = {han: romanise(han, "cantonese", surname=True) for han in HK_SURNAMES}
    assert got == HK_SURNAMES


def test_given_name_characters_as_identity_cards_spell_them():
    got = {han: romanise(han, "cantonese") for han in HK_GIVEN}
    assert got == HK_GIVEN


def test_simplified_hanzi_reads_as_its_traditional_form():
    assert romanise("陈", "cantonese", surname=True) == "chan"
    assert romanise("郭家华", "cantonese") == "kwokkawah"


@pytest.mark.parametrize(
    ("jyutping", "spelling"),
    [("gwok3", "kwok"), ("daai6", "tai"), ("gaa1", "ka"), ("zoeng1", "cheung"), ("jyun4", "yuen"),
     ("syun1", "suen"), ("ceoi4", "chui"), ("zeon3", "chun"), ("ng4", "ng"), ("bun2", "poon"), ("jip6", "yip")],
)  # fmt: skip
def test_jyutping_syllables_in_the_government_spelling(jyutping, spelling):
    assert chinese.hk_romanisation(jyutping) == spelling


@pytest.mark.parametrize(
    ("hanzi", "latin"),
    [
        (("陳", "大文"), ("Chan", "Tai Man")),
        (("郭", "家華"), ("Kwok", "Ka Wah")),
        (("曾", "子傑"), ("Tsang", "Tsz Kit")),
        (("張", "國強"), ("Cheung", "Kwok Keung")),
        (("謝", "嘉儀"), ("Tse", "Ka Yee")),
    ],
)
def test_hanzi_record_meets_its_identity_card_spelling(hanzi, latin):
    assert _name_levels(hanzi, latin) == (3, 3)


def test_a_near_miss_on_the_cantonese_key_is_close():
    """'Ka Wa' for 家華 (Wah): one letter off the Cantonese key is as close as one letter off the pinyin."""
    assert _name_levels(("郭", "家華"), ("Kwok", "Ka Wa")) == (3, 2)


def test_wade_giles_writes_u_umlaut_as_u():
    """Taiwanese passports: 張玉君 Chang Yu-Chun, 呂 Lu, 女 Nu; never pypinyin's 'v'."""
    assert romanise("玉君", "wade_giles") == "yuchun"
    assert [romanise(c, "wade_giles") for c in "俊雲綠女"] == ["chun", "yun", "lu", "nu"]


def test_a_character_no_romaniser_reads_stays_in_the_key():
    """叶𠮷文 is not 叶文: the character pypinyin does not know is kept, in every romanisation."""
    for system in ("pinyin", "cantonese", "wade_giles"):
        assert romanise("叶𠮷文", system) != romanise("叶文", system)
        assert "𠮷" in romanise("叶𠮷文", system)
    assert romanise("Zhang Wei") == "zhangwei" and romanise("José") == "jose"  # Latin names as before


def test_latin_hong_kong_names_order_by_the_surname():
    """'Tai Man Chan', 'Tsz Kit Tsang', 'Ka Wah Kwok': the family name is found at either end."""
    from linkage.standardise.names import parse_name

    for full, family in [("Tai Man Chan", "chan"), ("Tsang Tsz Kit", "tsang"), ("Ka Wah Kwok", "kwok"),
                         ("Chui Ka Yan", "chui"), ("Siu Ming Tsui", "tsui")]:  # fmt: skip
        assert parse_name(full).family == family, full


@pytest.mark.parametrize(
    ("hanzi", "latin"), [(("葉", "問"), ("Ip", "Man")), (("徐", "小鳳"), ("Chui", "Siu Fung")), (("曹", "達華"), ("Cho", "Tat Wah"))]
)  # fmt: skip
def test_other_spellings_of_a_surname_still_meet_its_hanzi(hanzi, latin):
    """葉 Ip (Yip), 徐 Chui (Tsui), 曹 Cho (Tso): spellings in use beside the customary one keep meeting the
    Hanzi, as they did when the Cantonese key was the library's first spelling."""
    assert _name_levels(hanzi, latin) == (3, 3)
