"""Japanese family names in kanji: where a Japanese name written without a space ends its family name.

A Chinese name in Hanzi is a surname of one character (two for 欧阳, 司马 …) and a given name: 王伟, 张晓明. A
Japanese one mostly starts with a family name of two kanji (山田浩二 is 山田 + 浩二, not 山 + 田浩二), some of one
(林, 森) or three (佐々木, 長谷川). The same characters are in both languages, so a name is read as Japanese when it
says so (names.parse_name): it starts with a listed family name whose first character is no Chinese surname
(山田, 佐藤, 鈴木: 山 + 田浩二 is no Chinese reading either); it is four characters or more after a listed two- or
three-kanji family name (高橋健一: Chinese names of four characters have a compound surname, which is read first);
it holds kana (山田さくら); or its record says Japan. A name of three characters after a family name that starts
with a Chinese surname (高橋彩, 金子涵, 田中杰) stays Chinese unless the kana or the record say otherwise: 高 + 桥彩
and 金 + 子涵 are ordinary Chinese names.

The list: the ~200 commonest family names (myoji-yurai.net's ranking), about half of the Japanese; they are
given in Japanese forms and compared after canonical_name's folding (髙橋 → 高桥 as 高橋 is; 渡辺, 斎藤 stay).
"""

from __future__ import annotations

import re
from functools import cache

from linkage.standardise.chinese import COMPOUND_SURNAMES, known_surnames, to_simplified
from linkage.standardise.text import fold_text

_SURNAMES = """
佐藤 鈴木 高橋 田中 伊藤 渡辺 山本 中村 小林 加藤 吉田 山田 佐々木 山口 松本 井上 木村 林 斎藤 清水 山崎 森 池田 橋本 阿部
石川 山下 中島 石井 小川 前田 岡田 長谷川 藤田 後藤 近藤 村上 遠藤 青木 坂本 斉藤 福田 太田 西村 藤井 金子 岡本 藤原 中野
三浦 原田 中川 松田 竹内 小野 田村 中山 和田 石田 森田 上田 原 内田 柴田 酒井 宮崎 横山 高木 安藤 宮本 大野 小島 工藤 谷口
今井 高田 丸山 増田 杉山 村田 大塚 新井 小山 平野 藤本 河野 上野 野口 武田 松井 千葉 岩崎 菅原 木下 久保 佐野 野村 松尾
市川 菊地 杉本 古川 大西 島田 水野 桜井 高野 渡部 吉川 山内 西田 飯田 菊池 西川 小松 北村 安田 五十嵐 川口 平田 関 中田
久保田 服部 東 岩田 土屋 川崎 福島 本田 辻 樋口 秋山 田口 永井 山中 中西 吉村 川上 石原 大橋 松岡 馬場 浅野 荒木 大久保
野田 小沢 田辺 川村 星野 黒田 堀 尾崎 望月 永田 熊谷 内藤 松村 西山 大谷 平井 大島 岩本 片山 本間 早川 横田 岡崎 荒井
大石 鎌田 成田 宮田 小田 石橋 篠原 須藤 河合 大森 高山 吉岡 小池 萩原 松下 伊東 塚本 小西 稲葉 宮下 須田 山根 大川 松浦
奥村 菅野 村井 西 堤 森本 水谷 高島 北川 白石 坂口 山村 中谷 宮原 竹田 矢野 桑原 松永 吉野 関口 岡 小笠原 広瀬 浜田 内山
"""
# Chinese compound surnames that are Japanese family names too: read as the Chinese ones (司馬遼太郎 is rare).
_NOT_LISTED = COMPOUND_SURNAMES


@cache
def japanese_surnames() -> frozenset[str]:
    """The listed family names as canonical_name writes them (々 doubled: 佐々木 → 佐佐木)."""
    folded = (to_simplified(fold_text(name)) for name in _SURNAMES.split())
    return frozenset(iteration_marks_doubled(name) for name in folded) - _NOT_LISTED


def iteration_marks_doubled(text: str) -> str:
    """々 repeats the kanji before it (佐々木 is 佐佐木, as Chinese writes it)."""
    out: list[str] = []
    for char in text:
        out.append(out[-1] if char == "々" and out else char)
    return "".join(out)


def japanese_surname(name: str) -> str | None:
    """The longest listed family name `name` starts with that leaves a given name of one to three characters."""
    listed = japanese_surnames()
    for size in (3, 2, 1):
        if 1 <= len(name) - size <= 3 and name[:size] in listed:
            return name[:size]
    return None


def reads_japanese(name: str, surname: str) -> bool:
    """Whether a Han name (canonical, no kana) starting with the listed `surname` is read Japanese-first without
    other evidence: the surname starts with no Chinese surname (山田, 佐藤), or leaves a name of four characters or
    more (高橋健一). A Chinese compound surname is read first (names.parse_name)."""
    if name[:2] in COMPOUND_SURNAMES:
        return False
    if len(surname) == 1:
        return True  # 林, 森: the Chinese reading too
    return surname[0] not in known_surnames() or len(name) >= 4


def split_japanese(name: str, evidence: bool) -> tuple[str, str] | None:
    """(family, given) of a Han name read as Japanese: a listed family name (reads_japanese, or any when
    `evidence`: kana in the name, a record in Japan); with evidence and no listed one, the first two kanji of
    a name of three or more whose first is no Chinese surname (most Japanese family names have two). None: read it
    as Chinese."""
    if name[:2] in COMPOUND_SURNAMES and len(name) >= 3:
        return None
    surname = japanese_surname(name)
    if surname and (evidence or reads_japanese(name, surname)):
        return surname, name[len(surname) :]
    if evidence and surname is None and len(name) >= 3 and name[0] not in known_surnames():
        return name[:2], name[2:]
    return None


# The listed names in romaji (Hepburn as passports write it), for the order of a romanised name: 'Yamamoto Yuta'
# and 'Yuta Yamamoto' are both Yamamoto.
_ROMAJI = """
sato suzuki takahashi tanaka ito watanabe yamamoto nakamura kobayashi kato yoshida yamada sasaki yamaguchi matsumoto
inoue kimura hayashi saito shimizu yamazaki mori ikeda hashimoto abe ishikawa yamashita nakajima ishii ogawa maeda
okada hasegawa fujita goto kondo murakami endo aoki sakamoto fukuda ota nishimura fujii kaneko okamoto fujiwara
nakano miura harada nakagawa matsuda takeuchi ono tamura nakayama wada ishida morita ueda hara uchida shibata sakai
miyazaki yokoyama takagi ando miyamoto kojima kudo taniguchi imai takada maruyama masuda sugiyama murata otsuka arai
koyama hirano fujimoto kono ueno noguchi takeda matsui chiba iwasaki sugawara kinoshita kubo sano nomura matsuo
ichikawa kikuchi sugimoto furukawa onishi shimada mizuno sakurai takano yoshikawa yamauchi nishida iida nishikawa
komatsu kitamura yasuda igarashi kawaguchi hirata seki nakata kubota hattori higashi iwata tsuchiya kawasaki
fukushima honda tsuji higuchi akiyama taguchi nagai yamanaka nakanishi yoshimura kawakami ishihara ohashi matsuoka
baba asano araki okubo noda ozawa tanabe kawamura hoshino kuroda hori ozaki mochizuki nagata kumagai naito matsumura
nishiyama otani hirai oshima iwamoto katayama honma hayakawa yokota okazaki oishi kamata narita miyata oda ishibashi
shinohara sudo kawai omori takayama yoshioka koike hagiwara matsushita tsukamoto konishi inaba miyashita suda
yamane okawa matsuura okumura sugano murai nishi tsutsumi morimoto mizutani takashima kitagawa shiraishi sakaguchi
yamamura nakatani miyahara yano kuwabara matsunaga yoshino sekiguchi oka ogasawara hirose hamada uchiyama
"""
# Morae of Hepburn romaji (ka, shi, tsu, kyo, n, a doubled consonant): a Japanese given name is written in them.
_MORAE = re.compile(r"(?:(?:[kgsztdnhbpmr]y?|sh|ch|j|ts|f|w|y)?[aiueo]|n|(?=([kstpc]))\1)+")


def _long_vowels_short(word: str) -> str:
    """A romaji word with its long vowels written short, as passports do: 'satoh', 'satou', 'ohno' → sato, ono."""
    return word.replace("oh", "o").replace("ou", "o").replace("oo", "o").replace("uu", "u")


@cache
def romaji_surnames() -> frozenset[str]:
    return frozenset(_long_vowels_short(name) for name in _ROMAJI.split())


def is_romaji_surname(word: str) -> bool:
    """'yamamoto', 'satoh', 'ohno': a listed family name however its long vowels are written."""
    return _long_vowels_short(word) in romaji_surnames()


def japanese_family_first(words: list[str]) -> bool | None:
    """Which end of a Latin name of two words (lower case) is a Japanese family name: 'yamamoto yuta' first (True),
    'yuta yamamoto' last (False); None when neither or both are listed, or the other word is no romaji ('Abe
    Lincoln')."""
    if len(words) != 2:
        return None
    first, last = (is_romaji_surname(w) and _MORAE.fullmatch(o) is not None for w, o in (words, words[::-1]))
    return first if first != last else None
