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

from assets.sample.variants import pick

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
# Japanese family names by bearers (thousands, myoji-yurai.net's ranking, rounded): 1-kanji (林, 森, 原), 2-kanji
# (most) and 3-kanji (佐々木, 長谷川) ones; homophones (斎藤/斉藤 Saito, 小野/大野 Ono, 渡辺/渡部 Watanabe). Passports
# drop long vowels (Sato, Ito, Ono); some people write them with an h (Satoh, Itoh, Ohno): the third field.
JP_FAMILY = [
    ("佐藤", "Sato", 1870, "Satoh"), ("鈴木", "Suzuki", 1790, ""), ("高橋", "Takahashi", 1410, ""),
    ("田中", "Tanaka", 1340, ""), ("伊藤", "Ito", 1080, "Itoh"), ("渡辺", "Watanabe", 1070, ""),
    ("山本", "Yamamoto", 1070, ""), ("中村", "Nakamura", 1050, ""), ("小林", "Kobayashi", 1020, ""),
    ("加藤", "Kato", 890, "Katoh"), ("吉田", "Yoshida", 840, ""), ("山田", "Yamada", 820, ""),
    ("佐々木", "Sasaki", 680, ""), ("山口", "Yamaguchi", 640, ""), ("松本", "Matsumoto", 630, ""),
    ("井上", "Inoue", 610, ""), ("木村", "Kimura", 580, ""), ("林", "Hayashi", 540, ""),
    ("斎藤", "Saito", 530, "Saitoh"), ("清水", "Shimizu", 530, ""), ("山崎", "Yamazaki", 490, ""),
    ("森", "Mori", 470, ""), ("池田", "Ikeda", 440, ""), ("橋本", "Hashimoto", 440, ""), ("阿部", "Abe", 440, ""),
    ("石川", "Ishikawa", 430, ""), ("山下", "Yamashita", 420, ""), ("中島", "Nakajima", 410, ""),
    ("石井", "Ishii", 400, ""), ("小川", "Ogawa", 400, ""), ("前田", "Maeda", 390, ""), ("岡田", "Okada", 390, ""),
    ("長谷川", "Hasegawa", 380, ""), ("藤田", "Fujita", 380, ""), ("後藤", "Goto", 370, "Gotoh"),
    ("近藤", "Kondo", 370, "Kondoh"), ("村上", "Murakami", 360, ""), ("遠藤", "Endo", 340, "Endoh"),
    ("青木", "Aoki", 340, ""), ("坂本", "Sakamoto", 340, ""), ("斉藤", "Saito", 330, "Saitoh"),
    ("福田", "Fukuda", 330, ""), ("太田", "Ota", 330, "Ohta"), ("西村", "Nishimura", 320, ""),
    ("藤井", "Fujii", 320, ""), ("金子", "Kaneko", 310, ""), ("岡本", "Okamoto", 310, ""),
    ("藤原", "Fujiwara", 310, ""), ("中野", "Nakano", 300, ""), ("三浦", "Miura", 300, ""),
    ("原田", "Harada", 300, ""), ("中川", "Nakagawa", 300, ""), ("松田", "Matsuda", 300, ""),
    ("竹内", "Takeuchi", 290, ""), ("小野", "Ono", 290, "Ohno"), ("田村", "Tamura", 290, ""),
    ("中山", "Nakayama", 280, ""), ("和田", "Wada", 280, ""), ("石田", "Ishida", 280, ""),
    ("森田", "Morita", 270, ""), ("上田", "Ueda", 270, ""), ("原", "Hara", 270, ""), ("内田", "Uchida", 260, ""),
    ("柴田", "Shibata", 260, ""), ("酒井", "Sakai", 260, ""), ("宮崎", "Miyazaki", 250, ""),
    ("横山", "Yokoyama", 250, ""), ("高木", "Takagi", 250, ""), ("安藤", "Ando", 240, "Andoh"),
    ("宮本", "Miyamoto", 240, ""), ("大野", "Ono", 240, "Ohno"), ("小島", "Kojima", 240, ""),
    ("工藤", "Kudo", 230, "Kudoh"), ("谷口", "Taniguchi", 230, ""), ("今井", "Imai", 230, ""),
    ("高田", "Takada", 220, ""), ("丸山", "Maruyama", 220, ""), ("増田", "Masuda", 220, ""),
    ("杉山", "Sugiyama", 220, ""), ("村田", "Murata", 210, ""), ("大塚", "Otsuka", 210, "Ohtsuka"),
    ("千葉", "Chiba", 200, ""), ("渡部", "Watanabe", 180, ""), ("野口", "Noguchi", 200, ""),
]  # fmt: skip
# Given names of people born 1955-2005 (Meiji Yasuda's yearly rankings), weighted roughly by how many bear them;
# homophones (陽子/洋子/容子 Yoko, 優子/裕子 Yuko, 博/浩 Hiroshi, 大輔/大介 Daisuke, 舞/麻衣 Mai) and a few
# women's names in kana (さくら, ひかり, みゆき: 山田さくら).
JP_GIVEN = {
    "M": [("誠", "Makoto", 5), ("健一", "Kenichi", 4), ("翔太", "Shota", 4), ("大輔", "Daisuke", 5),
          ("拓也", "Takuya", 5), ("浩二", "Koji", 3), ("直樹", "Naoki", 4), ("和也", "Kazuya", 4),
          ("浩", "Hiroshi", 5), ("博", "Hiroshi", 4), ("隆", "Takashi", 5), ("茂", "Shigeru", 3),
          ("清", "Kiyoshi", 3), ("修", "Osamu", 4), ("聡", "Satoshi", 4), ("学", "Manabu", 3),
          ("剛", "Tsuyoshi", 3), ("健", "Ken", 3), ("大介", "Daisuke", 3), ("達也", "Tatsuya", 4),
          ("哲也", "Tetsuya", 4), ("健太", "Kenta", 4), ("翔", "Sho", 3), ("大樹", "Daiki", 3),
          ("拓海", "Takumi", 3), ("蓮", "Ren", 2), ("陸", "Riku", 2), ("悠斗", "Yuto", 2), ("隼人", "Hayato", 2),
          ("亮", "Ryo", 3), ("雄一", "Yuichi", 3), ("秀樹", "Hideki", 3), ("正人", "Masato", 3),
          ("裕介", "Yusuke", 3), ("俊介", "Shunsuke", 2), ("一郎", "Ichiro", 2), ("太郎", "Taro", 2),
          ("健二", "Kenji", 3), ("洋平", "Yohei", 2), ("康弘", "Yasuhiro", 2), ("勝", "Masaru", 2),
          ("亮太", "Ryota", 3), ("大翔", "Hiroto", 2), ("颯太", "Sota", 2), ("翼", "Tsubasa", 2),
          ("和夫", "Kazuo", 3), ("正樹", "Masaki", 3), ("智也", "Tomoya", 3), ("裕太", "Yuta", 3),
          ("竜也", "Tatsuya", 2), ("優太", "Yuta", 2), ("浩之", "Hiroyuki", 3), ("剛志", "Tsuyoshi", 1),
          ("慎吾", "Shingo", 2), ("光", "Hikaru", 2), ("圭", "Kei", 2), ("匠", "Takumi", 1), ("淳", "Jun", 2),
          ("大和", "Yamato", 1), ("航", "Wataru", 2)],
    "F": [("優子", "Yuko", 5), ("美咲", "Misaki", 4), ("直美", "Naomi", 4), ("陽子", "Yoko", 4), ("恵", "Megumi", 4),
          ("真由美", "Mayumi", 3), ("彩", "Aya", 3), ("花子", "Hanako", 1), ("恵子", "Keiko", 5), ("京子", "Kyoko", 4),
          ("幸子", "Sachiko", 4), ("洋子", "Yoko", 4), ("裕子", "Yuko", 4), ("久美子", "Kumiko", 4),
          ("明美", "Akemi", 3), ("智子", "Tomoko", 5), ("由美子", "Yumiko", 4), ("直子", "Naoko", 4),
          ("真理子", "Mariko", 3), ("典子", "Noriko", 3), ("美穂", "Miho", 3), ("愛", "Ai", 4), ("舞", "Mai", 3),
          ("麻衣", "Mai", 3), ("香織", "Kaori", 4), ("恵美", "Emi", 3), ("由美", "Yumi", 3), ("智美", "Tomomi", 3),
          ("沙織", "Saori", 3), ("彩香", "Ayaka", 3), ("美香", "Mika", 3), ("愛子", "Aiko", 2), ("七海", "Nanami", 2),
          ("葵", "Aoi", 2), ("結衣", "Yui", 2), ("陽菜", "Hina", 2), ("美羽", "Miu", 1), ("凛", "Rin", 2),
          ("結菜", "Yuna", 1), ("花", "Hana", 1), ("莉子", "Riko", 1), ("千尋", "Chihiro", 2), ("遥", "Haruka", 3),
          ("瞳", "Hitomi", 3), ("綾", "Aya", 2), ("春香", "Haruka", 2), ("理恵", "Rie", 3), ("千秋", "Chiaki", 2),
          ("麻美", "Asami", 2), ("加奈子", "Kanako", 2), ("亜希子", "Akiko", 2), ("明子", "Akiko", 3),
          ("容子", "Yoko", 1), ("美紀", "Miki", 3), ("由紀", "Yuki", 3), ("さくら", "Sakura", 2),
          ("ひかり", "Hikari", 1), ("みゆき", "Miyuki", 1), ("純子", "Junko", 4), ("友美", "Tomomi", 2)]}  # fmt: skip
# Korean family names by share of the population (2015 census, %). One hangul name may stand for several clans
# (이 李, 정 鄭/丁, 유 柳/劉/兪), counted once. Spellings as people write them, with their shares: 이 Lee/Yi/Rhee,
# 박 Park/Pak, 정 Jung/Jeong/Chung …
KR_FAMILY = [
    ("김", 21.5, (("Kim", 0.97), ("Gim", 0.03))), ("이", 14.7, (("Lee", 0.85), ("Yi", 0.1), ("Rhee", 0.05))),
    ("박", 8.4, (("Park", 0.9), ("Pak", 0.07), ("Bak", 0.03))), ("최", 4.7, (("Choi", 0.9), ("Choe", 0.1))),
    ("정", 4.8, (("Jung", 0.5), ("Jeong", 0.3), ("Chung", 0.2))), ("강", 2.4, (("Kang", 0.95), ("Gang", 0.05))),
    ("조", 2.1, (("Cho", 0.8), ("Jo", 0.2))), ("윤", 2.1, (("Yoon", 0.7), ("Yun", 0.3))),
    ("장", 2.0, (("Jang", 0.7), ("Chang", 0.3))), ("임", 1.7, (("Lim", 0.7), ("Im", 0.2), ("Yim", 0.1))),
    ("한", 1.5, (("Han", 1.0),)), ("오", 1.5, (("Oh", 0.9), ("O", 0.1))), ("서", 1.5, (("Seo", 0.8), ("Suh", 0.2))),
    ("신", 1.5, (("Shin", 0.85), ("Sin", 0.15))), ("권", 1.4, (("Kwon", 0.9), ("Gwon", 0.1))),
    ("황", 1.4, (("Hwang", 1.0),)), ("안", 1.4, (("Ahn", 0.7), ("An", 0.3))), ("송", 1.3, (("Song", 1.0),)),
    ("전", 1.4, (("Jeon", 0.7), ("Chun", 0.3))), ("홍", 1.1, (("Hong", 1.0),)),
    ("유", 1.6, (("Yoo", 0.6), ("Yu", 0.4))), ("고", 0.9, (("Ko", 0.7), ("Go", 0.2), ("Koh", 0.1))),
    ("문", 0.9, (("Moon", 0.8), ("Mun", 0.2))), ("양", 1.0, (("Yang", 1.0),)), ("손", 0.9, (("Son", 0.8), ("Sohn", 0.2))),
    ("배", 0.8, (("Bae", 0.9), ("Pae", 0.1))), ("백", 0.7, (("Baek", 0.7), ("Paik", 0.3))),
    ("허", 0.6, (("Heo", 0.6), ("Hur", 0.4))), ("남", 0.5, (("Nam", 1.0),)), ("심", 0.5, (("Shim", 0.8), ("Sim", 0.2))),
    ("노", 0.6, (("Noh", 0.6), ("Roh", 0.3), ("No", 0.1))), ("하", 0.4, (("Ha", 1.0),)),
    ("곽", 0.4, (("Kwak", 0.9), ("Gwak", 0.1))), ("성", 0.4, (("Sung", 0.8), ("Seong", 0.2))),
    ("차", 0.4, (("Cha", 1.0),)), ("주", 0.5, (("Joo", 0.7), ("Ju", 0.2), ("Chu", 0.1))),
    ("우", 0.4, (("Woo", 1.0),)), ("구", 0.4, (("Koo", 0.7), ("Ku", 0.2), ("Gu", 0.1))), ("민", 0.3, (("Min", 1.0),)),
    ("류", 0.3, (("Ryu", 0.7), ("Yoo", 0.3))), ("나", 0.3, (("Na", 0.9), ("Ra", 0.1))),
    ("진", 0.3, (("Jin", 0.9), ("Chin", 0.1))), ("지", 0.3, (("Ji", 1.0),)), ("엄", 0.3, (("Eom", 0.6), ("Um", 0.4))),
    ("채", 0.3, (("Chae", 1.0),)), ("원", 0.3, (("Won", 1.0),)), ("천", 0.2, (("Cheon", 0.6), ("Chun", 0.4))),
    ("방", 0.2, (("Bang", 1.0),)), ("공", 0.2, (("Kong", 1.0),)), ("현", 0.2, (("Hyun", 1.0),)),
    ("함", 0.2, (("Ham", 0.8), ("Hahm", 0.2))), ("변", 0.3, (("Byun", 0.8), ("Byeon", 0.2))),
    ("염", 0.1, (("Yeom", 0.7), ("Yum", 0.3))), ("여", 0.1, (("Yeo", 1.0),)), ("추", 0.1, (("Choo", 0.7), ("Chu", 0.3))),
    ("도", 0.1, (("Do", 1.0),)), ("석", 0.1, (("Seok", 0.7), ("Suk", 0.3))), ("선", 0.1, (("Sun", 1.0),)),
    ("설", 0.1, (("Seol", 1.0),)), ("마", 0.1, (("Ma", 1.0),)), ("길", 0.1, (("Gil", 0.7), ("Kil", 0.3))),
    ("연", 0.1, (("Yeon", 1.0),)), ("표", 0.1, (("Pyo", 1.0),)), ("명", 0.1, (("Myung", 1.0),)),
    ("남궁", 0.05, (("Namgoong", 0.7), ("Namkung", 0.3))), ("황보", 0.03, (("Hwangbo", 1.0),)),
    ("제갈", 0.01, (("Jegal", 1.0),)), ("선우", 0.01, (("Sunwoo", 1.0),)),
]  # fmt: skip
# Given names of people born 1955-2005 (two syllables), weighted roughly by how many bear them: the spelling most
# people use (Ji-hoon, Hyun-woo), then the Revised Romanization (Ji-hun, Hyeon-u) that some passports carry.
KR_GIVEN = {
    "M": [("민준", "Min-jun", "Min-jun", 3), ("지훈", "Ji-hoon", "Ji-hun", 5), ("현우", "Hyun-woo", "Hyeon-u", 4),
          ("성민", "Sung-min", "Seong-min", 4), ("도윤", "Do-yoon", "Do-yun", 2), ("준호", "Jun-ho", "Jun-ho", 4),
          ("재현", "Jae-hyun", "Jae-hyeon", 4), ("태양", "Tae-yang", "Tae-yang", 1), ("영수", "Young-soo", "Yeong-su", 4),
          ("영호", "Young-ho", "Yeong-ho", 4), ("영철", "Young-chul", "Yeong-cheol", 3), ("정호", "Jung-ho", "Jeong-ho", 3),
          ("성호", "Sung-ho", "Seong-ho", 4), ("상훈", "Sang-hoon", "Sang-hun", 4), ("성진", "Sung-jin", "Seong-jin", 3),
          ("동현", "Dong-hyun", "Dong-hyeon", 5), ("준영", "Jun-young", "Jun-yeong", 3),
          ("승현", "Seung-hyun", "Seung-hyeon", 3), ("민수", "Min-soo", "Min-su", 4), ("우진", "Woo-jin", "U-jin", 3),
          ("서준", "Seo-jun", "Seo-jun", 2), ("시우", "Si-woo", "Si-u", 1), ("지호", "Ji-ho", "Ji-ho", 3),
          ("건우", "Gun-woo", "Geon-u", 2), ("예준", "Ye-jun", "Ye-jun", 1), ("주원", "Joo-won", "Ju-won", 2),
          ("상철", "Sang-chul", "Sang-cheol", 3), ("광수", "Kwang-soo", "Gwang-su", 3), ("진우", "Jin-woo", "Jin-u", 3),
          ("현준", "Hyun-jun", "Hyeon-jun", 3), ("종민", "Jong-min", "Jong-min", 2), ("경호", "Kyung-ho", "Gyeong-ho", 2),
          ("재원", "Jae-won", "Jae-won", 3), ("태현", "Tae-hyun", "Tae-hyeon", 2), ("승민", "Seung-min", "Seung-min", 3),
          ("정훈", "Jung-hoon", "Jeong-hun", 4), ("성수", "Sung-soo", "Seong-su", 2), ("민호", "Min-ho", "Min-ho", 3),
          ("준혁", "Jun-hyuk", "Jun-hyeok", 2), ("동욱", "Dong-wook", "Dong-uk", 3)],
    "F": [("서연", "Seo-yeon", "Seo-yeon", 3), ("수빈", "Soo-bin", "Su-bin", 3), ("지은", "Ji-eun", "Ji-eun", 4),
          ("민지", "Min-ji", "Min-ji", 3), ("하은", "Ha-eun", "Ha-eun", 2), ("예진", "Ye-jin", "Ye-jin", 3),
          ("유나", "Yu-na", "Yu-na", 2), ("소연", "So-yeon", "So-yeon", 3), ("영희", "Young-hee", "Yeong-hui", 3),
          ("순자", "Soon-ja", "Sun-ja", 2), ("미경", "Mi-kyung", "Mi-gyeong", 4), ("은정", "Eun-jung", "Eun-jeong", 4),
          ("지영", "Ji-young", "Ji-yeong", 5), ("미영", "Mi-young", "Mi-yeong", 4), ("현주", "Hyun-joo", "Hyeon-ju", 3),
          ("수진", "Soo-jin", "Su-jin", 4), ("은영", "Eun-young", "Eun-yeong", 4), ("혜진", "Hye-jin", "Hye-jin", 4),
          ("지현", "Ji-hyun", "Ji-hyeon", 4), ("민정", "Min-jung", "Min-jeong", 4), ("서윤", "Seo-yoon", "Seo-yun", 2),
          ("지우", "Ji-woo", "Ji-u", 1), ("하윤", "Ha-yoon", "Ha-yun", 1), ("지민", "Ji-min", "Ji-min", 3),
          ("수연", "Soo-yeon", "Su-yeon", 3), ("은지", "Eun-ji", "Eun-ji", 3), ("유진", "Yoo-jin", "Yu-jin", 3),
          ("다은", "Da-eun", "Da-eun", 2), ("채원", "Chae-won", "Chae-won", 2), ("윤서", "Yoon-seo", "Yun-seo", 1),
          ("경숙", "Kyung-sook", "Gyeong-suk", 3), ("정희", "Jung-hee", "Jeong-hui", 3), ("선영", "Sun-young", "Seon-yeong", 3),
          ("혜원", "Hye-won", "Hye-won", 2), ("미숙", "Mi-sook", "Mi-suk", 3), ("미정", "Mi-jung", "Mi-jeong", 3),
          ("현정", "Hyun-jung", "Hyeon-jeong", 3), ("은주", "Eun-joo", "Eun-ju", 2), ("선희", "Sun-hee", "Seon-hui", 3),
          ("지혜", "Ji-hye", "Ji-hye", 3)]}  # fmt: skip
TW_SHARE, JP_SHARE, KR_SHARE = 0.04, 0.07, 0.06  # of the mainland Chinese, resp. the Western people


def plant_origins(rows: list[dict], rng: np.random.Generator) -> None:
    """Rewrite person rows in place: Hong Kong people get their Cantonese spelling and traditional characters;
    ~4% of the mainland Chinese become Taiwanese (≈2.5% of people), ~7% and ~6% of the Western people
    Japanese and Korean (≈2% each)."""
    n = len(rows)
    names = rng.spawn(1)[0]  # the names' own stream: rng's draws after this function stay as they were
    # the last two draws picked the names from the first, small lists; drawn still for the same reason
    rolls, places, _, _ = rng.random(n), rng.integers(0, 4, n), rng.integers(0, 14, n), rng.integers(0, 8, n)
    for i, row in enumerate(rows):
        roll, place = rolls[i], int(places[i])
        if row["name_script"] == "hanzi" and row["country"] == "HK":
            _chinese_abroad(row, 0, " ")
        elif row["name_script"] == "hanzi" and roll < TW_SHARE:
            _chinese_abroad(row, 1, "-")
            _move(row, TW_PLACES[place], f"{TW_PLACES[place][1]}信義路{i % 300 + 1}號")
        elif row["name_script"] == "latin" and roll < JP_SHARE:
            kanji, romaji = _japanese_family(names)
            g_kanji, g_romaji, _ = pick(
                names, JP_GIVEN[row["gender"]], [g[2] for g in JP_GIVEN[row["gender"]]]
            )
            _renamed(row, "kanji", (kanji, romaji), (g_kanji, g_romaji), f"{kanji} {g_kanji}")
            _move(row, JP_PLACES[place % 2], f"{JP_PLACES[place % 2][1]}区{i % 9 + 1}-{i % 30 + 1}")
        elif row["name_script"] == "latin" and roll < JP_SHARE + KR_SHARE:
            hangul, spellings = pick(names, [(h, s) for h, _, s in KR_FAMILY], [w for _, w, _ in KR_FAMILY])
            latin = pick(names, [s for s, _ in spellings], [w for _, w in spellings])
            givens = KR_GIVEN[row["gender"]]
            g_hangul, usual, rule, _ = pick(names, givens, [g[3] for g in givens])
            g_latin = rule if names.random() < 0.25 else usual
            _renamed(row, "hangul", (hangul, latin), (g_hangul, g_latin), hangul + g_hangul)
            _move(row, KR_PLACES[place % 2], f"{KR_PLACES[place % 2][1]} 중구 세종대로 {i % 200 + 1}")


def _japanese_family(rng: np.random.Generator) -> tuple[str, str]:
    """(kanji, romaji) of a Japanese family name by its frequency; one in ten writes a long vowel with an h."""
    kanji, romaji, _, with_h = pick(rng, JP_FAMILY, [f[2] for f in JP_FAMILY])
    return kanji, with_h if with_h and rng.random() < 0.1 else romaji


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
