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

# Hong Kong Government Cantonese romanisation and Taiwan's Wade-Giles, keyed by the simplified name
HK_FAMILY = {"王": "Wong", "李": "Lee", "张": "Cheung", "刘": "Lau", "陈": "Chan", "杨": "Yeung", "黄": "Wong",
             "赵": "Chiu", "吴": "Ng", "周": "Chow", "徐": "Tsui", "孙": "Suen", "马": "Ma", "朱": "Chu", "胡": "Wu",
             "郭": "Kwok", "何": "Ho", "林": "Lam", "罗": "Law", "高": "Ko", "郑": "Cheng", "梁": "Leung", "谢": "Tse",
             "宋": "Sung", "唐": "Tong", "韩": "Hon", "冯": "Fung", "邓": "Tang", "曹": "Tso", "欧阳": "Au Yeung"}  # fmt: skip
HK_GIVEN = {"伟": "Wai", "娜": "Na", "敏": "Man", "静": "Ching", "丽": "Lai", "强": "Keung", "磊": "Lui", "军": "Kwan",
            "洋": "Yeung", "勇": "Yung", "艳": "Yim", "杰": "Kit", "涛": "To", "明": "Ming", "芳": "Fong",
            "秀英": "Sau Ying", "建华": "Kin Wah", "晓明": "Hiu Ming", "志强": "Chi Keung", "海燕": "Hoi Yin",
            "文博": "Man Pok", "子涵": "Tsz Ham", "浩然": "Ho Yin", "雨桐": "Yu Tung", "欣怡": "Yan Yee",
            "俊杰": "Chun Kit", "思远": "Sze Yuen", "嘉怡": "Ka Yee", "梓轩": "Tsz Hin", "一鸣": "Yat Ming",
            "佳琪": "Kai Kei", "宇航": "Yu Hong", "雪梅": "Suet Mui", "国庆": "Kwok Hing"}  # fmt: skip
TW_FAMILY = {"王": "Wang", "李": "Lee", "张": "Chang", "刘": "Liu", "陈": "Chen", "杨": "Yang", "黄": "Huang",
             "赵": "Chao", "吴": "Wu", "周": "Chou", "徐": "Hsu", "孙": "Sun", "马": "Ma", "朱": "Chu", "胡": "Hu",
             "郭": "Kuo", "何": "Ho", "林": "Lin", "罗": "Lo", "高": "Kao", "郑": "Cheng", "梁": "Liang", "谢": "Hsieh",
             "宋": "Sung", "唐": "Tang", "韩": "Han", "冯": "Feng", "邓": "Teng", "曹": "Tsao", "欧阳": "Ouyang"}  # fmt: skip
TW_GIVEN = {"伟": "Wei", "娜": "Na", "敏": "Min", "静": "Ching", "丽": "Li", "强": "Chiang", "磊": "Lei", "军": "Chun",
            "洋": "Yang", "勇": "Yung", "艳": "Yen", "杰": "Chieh", "涛": "Tao", "明": "Ming", "芳": "Fang",
            "秀英": "Hsiu-Ying", "建华": "Chien-Hua", "晓明": "Hsiao-Ming", "志强": "Chih-Chiang", "海燕": "Hai-Yen",
            "文博": "Wen-Po", "子涵": "Tzu-Han", "浩然": "Hao-Jan", "雨桐": "Yu-Tung", "欣怡": "Hsin-I",
            "俊杰": "Chun-Chieh", "思远": "Ssu-Yuan", "嘉怡": "Chia-I", "梓轩": "Tzu-Hsuan", "一鸣": "I-Ming",
            "佳琪": "Chia-Chi", "宇航": "Yu-Hang", "雪梅": "Hsueh-Mei", "国庆": "Kuo-Ching"}  # fmt: skip
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
            _chinese_abroad(row, HK_FAMILY, HK_GIVEN, " ")
        elif row["name_script"] == "hanzi" and roll < TW_SHARE:
            _chinese_abroad(row, TW_FAMILY, TW_GIVEN, "-")
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


def _chinese_abroad(row: dict, family: dict[str, str], given: dict[str, str], joiner: str) -> None:
    """The identity card's Latin spelling (syllables of a given name joined by `joiner`) and traditional
    characters as the person writes them."""
    spelled = given[row["given_hanzi"]].replace(" ", joiner).replace("-", joiner)
    row["family_latin"], row["given_latin"] = family[row["family_hanzi"]], spelled
    row["family_hanzi"], row["given_hanzi"] = row["family_trad"], row["given_trad"]
    row["full_name"] = row["family_trad"] + row["given_trad"]


def _renamed(row: dict, script: str, family: tuple[str, str], given: tuple[str, str], full: str) -> None:
    row.update(family_hanzi=family[0], family_trad=family[0], family_latin=family[1], given_hanzi=given[0],
               given_trad=given[0], given_latin=given[1], full_name=full, name_script=script, alias="")  # fmt: skip


def _move(row: dict, place: tuple[str, str, str, str, str], address: str) -> None:
    row["province"], row["city"], row["city_latin"], row["country"], row["area"] = place
    row["address"] = address
