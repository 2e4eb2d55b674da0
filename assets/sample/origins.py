"""People the first sample lacked: Hong Kong and Taiwanese Chinese with the Latin spellings of their identity
cards (Cantonese: 陳大文 Chan Tai Man; Wade-Giles: 陳家豪 Chen Chia-Hao), written in traditional characters, and
Japanese and Korean customers written in their own script in one system and in Latin letters in another
(高橋 誠 / Makoto Takahashi, 김민준 / Kim Min-jun).

A person row keeps its columns: family_hanzi / given_hanzi hold the name in its own script (kanji, hangul),
family_latin / given_latin the Latin spelling the person uses; name_script says which script (hanzi, kanji,
hangul, latin).
"""

from __future__ import annotations

import numpy as np

# (Hong Kong Government Cantonese romanisation, Taiwan's Wade-Giles) of the sample's names, by the simplified form
FAMILY_SPELLINGS = {"王": ("Wong", "Wang"), "李": ("Lee", "Lee"), "张": ("Cheung", "Chang"), "刘": ("Lau", "Liu"),
                    "陈": ("Chan", "Chen"), "杨": ("Yeung", "Yang"), "黄": ("Wong", "Huang"), "赵": ("Chiu", "Chao"),
                    "吴": ("Ng", "Wu"), "周": ("Chow", "Chou"), "徐": ("Tsui", "Hsu"), "孙": ("Suen", "Sun"),
                    "马": ("Ma", "Ma"), "朱": ("Chu", "Chu"), "胡": ("Wu", "Hu"), "郭": ("Kwok", "Kuo"),
                    "何": ("Ho", "Ho"), "林": ("Lam", "Lin"), "罗": ("Law", "Lo"), "高": ("Ko", "Kao"),
                    "郑": ("Cheng", "Cheng"), "梁": ("Leung", "Liang"), "谢": ("Tse", "Hsieh"), "宋": ("Sung", "Sung"),
                    "唐": ("Tong", "Tang"), "韩": ("Hon", "Han"), "冯": ("Fung", "Feng"), "邓": ("Tang", "Teng"),
                    "曹": ("Tso", "Tsao"), "欧阳": ("Au Yeung", "Ouyang")}  # fmt: skip
GIVEN_SPELLINGS = {"伟": ("Wai", "Wei"), "娜": ("Na", "Na"), "敏": ("Man", "Min"),
                   "静": ("Ching", "Ching"), "丽": ("Lai", "Li"), "强": ("Keung", "Chiang"),
                   "磊": ("Lui", "Lei"), "军": ("Kwan", "Chun"), "洋": ("Yeung", "Yang"),
                   "勇": ("Yung", "Yung"), "艳": ("Yim", "Yen"), "杰": ("Kit", "Chieh"),
                   "涛": ("To", "Tao"), "明": ("Ming", "Ming"), "芳": ("Fong", "Fang"),
                   "秀英": ("Sau Ying", "Hsiu-Ying"), "建华": ("Kin Wah", "Chien-Hua"), "晓明": ("Hiu Ming", "Hsiao-Ming"),
                   "志强": ("Chi Keung", "Chih-Chiang"), "海燕": ("Hoi Yin", "Hai-Yen"), "文博": ("Man Pok", "Wen-Po"),
                   "子涵": ("Tsz Ham", "Tzu-Han"), "浩然": ("Ho Yin", "Hao-Jan"), "雨桐": ("Yu Tung", "Yu-Tung"),
                   "欣怡": ("Yan Yee", "Hsin-I"), "俊杰": ("Chun Kit", "Chun-Chieh"), "思远": ("Sze Yuen", "Ssu-Yuan"),
                   "嘉怡": ("Ka Yee", "Chia-I"), "梓轩": ("Tsz Hin", "Tzu-Hsuan"), "一鸣": ("Yat Ming", "I-Ming"),
                   "佳琪": ("Kai Kei", "Chia-Chi"), "宇航": ("Yu Hong", "Yu-Hang"), "雪梅": ("Suet Mui", "Hsueh-Mei"),
                   "国庆": ("Kwok Hing", "Kuo-Ching")}  # fmt: skip
# (province, city, Latin city, country, area code)
TW_PLACES = [("臺灣", "臺北市", "Taipei", "TW", "2"), ("臺灣", "新北市", "New Taipei", "TW", "2"),
             ("臺灣", "臺中市", "Taichung", "TW", "4"), ("臺灣", "高雄市", "Kaohsiung", "TW", "7")]  # fmt: skip
JP_PLACES = [("東京都", "東京", "Tokyo", "JP", "3"), ("大阪府", "大阪", "Osaka", "JP", "6")]
KR_PLACES = [("서울특별시", "서울", "Seoul", "KR", "2"), ("부산광역시", "부산", "Busan", "KR", "51")]
JP_FAMILY = [("高橋", "Takahashi"), ("佐藤", "Sato"), ("鈴木", "Suzuki"), ("田中", "Tanaka"), ("伊藤", "Ito"),
             ("渡辺", "Watanabe"), ("山本", "Yamamoto"), ("中村", "Nakamura"), ("小林", "Kobayashi"),
             ("加藤", "Kato"), ("吉田", "Yoshida"), ("山田", "Yamada"), ("松本", "Matsumoto"), ("井上", "Inoue")]  # fmt: skip
JP_GIVEN = {"M": [("誠", "Makoto"), ("健一", "Kenichi"), ("翔太", "Shota"), ("大輔", "Daisuke"), ("拓也", "Takuya"),
                  ("浩二", "Koji"), ("直樹", "Naoki"), ("和也", "Kazuya")],
            "F": [("優子", "Yuko"), ("美咲", "Misaki"), ("直美", "Naomi"), ("陽子", "Yoko"), ("恵", "Megumi"),
                  ("真由美", "Mayumi"), ("彩", "Aya"), ("花子", "Hanako")]}  # fmt: skip
KR_FAMILY = [("김", "Kim"), ("이", "Lee"), ("박", "Park"), ("최", "Choi"), ("정", "Jung"), ("강", "Kang"),
             ("조", "Cho"), ("윤", "Yoon"), ("장", "Jang"), ("임", "Lim")]  # fmt: skip
KR_GIVEN = {"M": [("민준", "Min-jun"), ("지훈", "Ji-hoon"), ("현우", "Hyun-woo"), ("성민", "Sung-min"),
                  ("도윤", "Do-yun"), ("준호", "Jun-ho"), ("재현", "Jae-hyun"), ("태양", "Tae-yang")],
            "F": [("서연", "Seo-yeon"), ("수빈", "Su-bin"), ("지은", "Ji-eun"), ("민지", "Min-ji"), ("하은", "Ha-eun"),
                  ("예진", "Ye-jin"), ("유나", "Yu-na"), ("소연", "So-yeon")]}  # fmt: skip
TW_SHARE, JP_SHARE, KR_SHARE = 0.04, 0.07, 0.06  # of the mainland Chinese, resp. the Western people


def plant_origins(rows: list[dict], rng: np.random.Generator) -> None:
    """Rewrite person rows in place: Hong Kong people get their Cantonese spelling and traditional characters;
    ~4% of the mainland Chinese become Taiwanese (≈2.5% of people), ~7% and ~6% of the Western people
    Japanese and Korean (≈2% each)."""
    n = len(rows)
    rolls, places, families, givens = (
        rng.random(n),
        rng.integers(0, 4, n),
        rng.integers(0, 14, n),
        rng.integers(0, 8, n),
    )
    for i, row in enumerate(rows):
        roll, place, family, given = rolls[i], int(places[i]), int(families[i]), int(givens[i])
        if row["name_script"] == "hanzi" and row["country"] == "HK":
            _chinese_abroad(row, 0, " ")
        elif row["name_script"] == "hanzi" and roll < TW_SHARE:
            _chinese_abroad(row, 1, "-")
            _move(row, TW_PLACES[place], f"{TW_PLACES[place][1]}信義路{i % 300 + 1}號")
        elif row["name_script"] == "latin" and roll < JP_SHARE:
            kanji, romaji = JP_FAMILY[family]
            g_kanji, g_romaji = JP_GIVEN[row["gender"]][given]
            _renamed(row, "kanji", (kanji, romaji), (g_kanji, g_romaji), f"{kanji} {g_kanji}")
            _move(row, JP_PLACES[place % 2], f"{JP_PLACES[place % 2][1]}区{i % 9 + 1}-{i % 30 + 1}")
        elif row["name_script"] == "latin" and roll < JP_SHARE + KR_SHARE:
            hangul, latin = KR_FAMILY[family % len(KR_FAMILY)]
            g_hangul, g_latin = KR_GIVEN[row["gender"]][given]
            _renamed(row, "hangul", (hangul, latin), (g_hangul, g_latin), hangul + g_hangul)
            _move(row, KR_PLACES[place % 2], f"{KR_PLACES[place % 2][1]} 중구 세종대로 {i % 200 + 1}")


def _chinese_abroad(row: dict, system: int, joiner: str) -> None:
    """The identity card's Latin spelling (`system` 0 Cantonese, 1 Wade-Giles; syllables of a given name joined
    by `joiner`) and traditional characters as the person writes them."""
    spelled = GIVEN_SPELLINGS[row["given_hanzi"]][system].replace(" ", joiner).replace("-", joiner)
    row["family_latin"], row["given_latin"] = FAMILY_SPELLINGS[row["family_hanzi"]][system], spelled
    row["family_hanzi"], row["given_hanzi"] = row["family_trad"], row["given_trad"]
    row["full_name"] = row["family_trad"] + row["given_trad"]


def _renamed(row: dict, script: str, family: tuple[str, str], given: tuple[str, str], full: str) -> None:
    row.update(family_hanzi=family[0], family_trad=family[0], family_latin=family[1], given_hanzi=given[0],
               given_trad=given[0], given_latin=given[1], full_name=full, name_script=script, alias="")  # fmt: skip


def _move(row: dict, place: tuple[str, str, str, str, str], address: str) -> None:
    row["province"], row["city"], row["city_latin"], row["country"], row["area"] = place
    row["address"] = address
