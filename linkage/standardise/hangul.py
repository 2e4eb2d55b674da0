"""Korean names in hangul romanised, so that 김민준 meets 'Kim Min-jun' and 이서연 'Yi Seo-yeon'.

A syllable block decomposes into initial, vowel and final jamo (Unicode arithmetic), each spelt in the Revised
Romanization of Korean (2000). Names are romanised syllable by syllable, as the Revised Romanization asks of given
names (no sound changes across syllables: 민준 'minjun', not 'mintjun'). Family names are spelt as people spell
them, which is rarely the strict rule: 이 is Lee, Yi or Rhee, 박 Park or Pak, 정 Jung, Jeong or Chung. Their
spellings fill the three key slots the Chinese romanisations use (chinese.SYSTEMS), so a Latin surname written
any of those ways meets the hangul one.
"""

from __future__ import annotations

import re
from functools import cache

_FIRST = 0xAC00
_INITIALS = ("g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t", "p",
             "h")  # fmt: skip
_VOWELS = ("a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo", "we", "wi",
           "yu", "eu", "ui", "i")  # fmt: skip
# A final consonant is spelt as it sounds at the end of a syllable (ㄷ, ㅅ, ㅈ, ㅊ, ㅌ, ㅎ all 't').
_FINALS = ("", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p", "p", "t", "t",
           "ng", "t", "t", "k", "t", "p", "t")  # fmt: skip
_RIEUL = 5  # ㄹ as an initial

# Family names as people write them: hangul, the most usual spelling, the Revised Romanization as used, another
# common one. The ~70 commonest surnames cover about 95% of Koreans; any other is spelt by the rule in all three slots.
_SURNAMES = """
김 kim gim kim; 이 lee yi rhee; 박 park bak pak; 최 choi choe choi; 정 jung jeong chung; 강 kang gang kang;
조 cho jo cho; 윤 yoon yun yoon; 장 jang jang chang; 임 lim im yim; 한 han han han; 오 oh o oh; 서 seo seo suh;
신 shin sin shin; 권 kwon gwon kwon; 황 hwang hwang hwang; 안 ahn an ahn; 송 song song song; 류 ryu ryu yoo;
유 yoo yu ryu; 전 jeon jeon chun; 홍 hong hong hong; 고 ko go koh; 문 moon mun moon; 양 yang yang yang;
손 son son sohn; 배 bae bae pae; 백 baek baek paik; 허 heo heo hur; 노 noh no roh; 남 nam nam nam; 심 shim sim shim;
하 ha ha ha; 곽 kwak gwak kwak; 성 sung seong sung; 차 cha cha cha; 주 joo ju chu; 우 woo u woo; 구 koo gu ku;
민 min min min; 진 jin jin chin; 나 na na ra; 지 ji ji chi; 엄 eom eom um; 채 chae chae chae; 원 won won won;
천 cheon cheon chun; 방 bang bang pang; 공 kong gong kong; 현 hyun hyeon hyun; 함 ham ham hahm; 변 byun byeon byun;
염 yeom yeom yum; 여 yeo yeo yuh; 추 choo chu chu; 도 do do doh; 석 seok seok suk; 선 sun seon sun; 설 seol seol sul;
마 ma ma ma; 길 gil gil kil; 연 yeon yeon yun; 위 wi wi wee; 표 pyo pyo pyo; 명 myung myeong myung; 기 ki gi ki;
반 ban ban pan; 왕 wang wang wang; 금 keum geum kum; 육 yook yuk yuk; 인 in in in; 탁 tak tak tak; 국 kook guk kook;
남궁 namgoong namgung namkung; 황보 hwangbo hwangbo hwangbo; 제갈 jegal jegal chegal; 선우 sunwoo seonu sunwoo;
독고 dokgo dokgo tokko; 사공 sagong sagong sakong; 서문 seomun seomun suhmoon
"""
SURNAME_SPELLINGS: dict[str, tuple[str, str, str]] = {
    hangul: (usual, rule, other)
    for hangul, usual, rule, other in (entry.split() for entry in _SURNAMES.replace("\n", " ").split(";"))
}


def is_hangul(c: str) -> bool:
    """A hangul syllable block (가…힣)."""
    return "\uac00" <= c <= "\ud7a3"  # 11,172 blocks from _FIRST


def revised_romanization(text: str) -> str:
    """Hangul syllables in the Revised Romanization, syllable by syllable ('민준' → 'minjun'); ㄹㄹ is 'll'."""
    out: list[str] = []
    previous_final = ""
    for char in text:
        if not is_hangul(char):
            out.append(char)
            previous_final = ""
            continue
        code = ord(char) - _FIRST
        initial, vowel, final = code // 588, code % 588 // 28, code % 28
        onset = "l" if initial == _RIEUL and previous_final == "l" else _INITIALS[initial]
        previous_final = _FINALS[final]
        out.append(onset + _VOWELS[vowel] + previous_final)
    return "".join(out)


def hangul_spellings(text: str, surname: bool = False) -> tuple[str, str, str]:
    """Three Latin spellings of a hangul name part, one per key slot: a family name's usual spellings
    (SURNAME_SPELLINGS), anything else the Revised Romanization in all three."""
    if surname and text in SURNAME_SPELLINGS:
        return SURNAME_SPELLINGS[text]
    spelt = revised_romanization(text)
    return spelt, spelt, spelt


# Syllables of Korean given names (민준, 서연, 지훈, 영희 …): a Latin name's other part is read as a Korean given name
# when it is two of them ('Min-jun', 'Minjun', 'Min Jun', 'Ji-hoon', 'Young-hee').
_GIVEN_SYLLABLES = (
    "민준지훈현우성도윤호재태양영수철정상진동승서시건예주원광종경혁욱연빈은하나소희순자미혜유다채숙선아보인용석규범기"
    "남만명병봉세신옥완일제중찬창춘택한해화환효형홍가강근금길란리린모무문복사설송식심엽운웅월율이임장전조직천초학"
    "헌휘슬별솔결겸담단빛"
)
# How people spell them beside the Revised Romanization: 성 sung, 영 young, 훈 hoon, 희 hee, 경 kyung, 신 shin, 우 woo
_VARIANTS = ((r"eo", "u"), (r"eo", "ou"), (r"(?<![oe])u", "oo"), (r"ui", "ee"), (r"ui", "i"), (r"ae", "ai"),
             (r"eu", "u"))  # fmt: skip
_INITIAL_VARIANTS = {"g": "k", "j": "ch", "s": "sh"}


@cache
def given_name_syllables() -> frozenset[str]:
    """Latin spellings of Korean given-name syllables: the Revised Romanization and the usual older ones."""
    out: set[str] = set()
    for char in _GIVEN_SYLLABLES:
        rule = revised_romanization(char)
        initial = _INITIALS[(ord(char) - _FIRST) // 588]
        spelt = {rule, "w" + rule} if rule.startswith("u") else {rule}  # 우 woo, 욱 wook
        if initial in _INITIAL_VARIANTS:
            spelt.add(_INITIAL_VARIANTS[initial] + rule[len(initial) :])
        for old, new in _VARIANTS:
            spelt |= {re.sub(old, new, s) for s in spelt}
        out |= spelt
    return frozenset(out)


@cache
def surname_ranks() -> dict[str, int]:
    """Latin spelling of a Korean family name (every spelling of SURNAME_SPELLINGS) → rank, 0 the commonest."""
    ranks: dict[str, int] = {}
    for rank, spellings in enumerate(SURNAME_SPELLINGS.values()):
        for spelling in spellings:
            ranks.setdefault(spelling, rank)
    return ranks


def reads_korean_given(words: list[str]) -> bool:
    """Whether lower-case words are a Korean given name of two syllables: 'min-jun', 'minjun', 'min jun'."""
    parts = [p for w in words for p in w.split("-") if p]
    syllables = given_name_syllables()
    if len(parts) == 2:
        return all(p in syllables for p in parts)
    if len(parts) != 1:
        return False
    word = parts[0]
    return any(word[:i] in syllables and word[i:] in syllables for i in range(1, len(word)))


def korean_family_first(words: list[str]) -> bool | None:
    """Which end of a Latin name (lower-case words) is a Korean family name: 'kim min-jun' and 'park mi jeong' family
    first (True), 'min-jun kim' last (False); None when it reads as no Korean name. When both ends can be the
    family name ('jeong eun ji': 정 or 지), the commoner one is."""
    ranks = surname_ranks()
    first = ranks.get(words[0]) if len(words) > 1 and reads_korean_given(words[1:]) else None
    last = ranks.get(words[-1]) if len(words) > 1 and reads_korean_given(words[:-1]) else None
    if first is None and last is None:
        return None
    return last is None or (first is not None and first <= last)
