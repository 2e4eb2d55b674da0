"""Compound surnames (欧阳, 司马, 司徒 …) in every form real exports write them (linkage/standardise/compound_surnames.py)."""

import pandas as pd
import pytest

from linkage.prepare import prepare_records
from linkage.standardise import split_names
from linkage.standardise.compound_surnames import compound_of, syllable_count


def _split(value: str) -> tuple[str | None, str | None]:
    row = split_names(pd.Series([value], dtype="string")).iloc[0]
    return (None if pd.isna(row["family_name"]) else row["family_name"]), (
        None if pd.isna(row["given_name"]) else row["given_name"]
    )


# raw name | family | given ('-': none) | why. Compound surnames in every script, order and spelling first.
FORMS = """
欧阳浩然              | 欧阳         | 浩然
歐陽浩然              | 欧阳         | 浩然       | traditional
司馬光               | 司马         | 光
諸葛亮               | 诸葛         | 亮
上官婉儿              | 上官         | 婉儿
東方明               | 东方         | 明
尉遲恭               | 尉迟         | 恭
鍾離春               | 钟离         | 春
段干木               | 段干         | 木
ouyanghaoran      | ouyang     | haoran   | run together
OUYANGHAORAN      | ouyang     | haoran
OuyangHaoran      | ouyang     | haoran   | capitals mark the boundary
HaoranOuyang      | ouyang     | haoran
Ouyang Haoran     | ouyang     | haoran
Haoran Ouyang     | ouyang     | haoran   | western order
OUYANG Haoran     | ouyang     | haoran
Ou-yang Haoran    | ou-yang    | haoran
ou yang haoran    | ouyang     | haoran   | syllables written apart
Ou Yang Hao Ran   | ouyang     | hao ran
Haoran Ou Yang    | ouyang     | haoran
ouyangyang        | ouyang     | yang     | 欧阳洋: 欧阳 outnumbers 欧/区 + 杨洋
Au-Yeung Ka Man   | au-yeung   | ka man   | Hong Kong
Auyeung Wai Kit   | auyeung    | wai kit
Ka Man Au Yeung   | auyeung    | ka man
Szeto Wai Kit     | szeto      | wai kit
Sze-to Wai        | sze-to     | wai
Seto Ka Wai       | seto       | ka wai
simaguang         | sima       | guang
Sima Guang        | sima       | guang
Zhuge Liang       | zhuge      | liang
Liang Zhuge       | zhuge      | liang
Shangguan Wan     | shangguan  | wan
Shang-kuan Ming   | shang-kuan | ming     | Wade–Giles (Taiwan)
Ssu-ma Kuang      | ssu-ma     | kuang
Ouyang, Haoran    | ouyang     | haoran
歐陽小姐              | 欧阳         | -        | a title: addressed by the family name
Mr Ouyang         | ouyang     | -
Ms. Au-Yeung      | au-yeung   | -
# single surnames that begin like a compound, and names that are no compound
ou yang           | yang       | ou       | two words are a family and a given name (欧 + 阳 or 杨 + 欧): no compound
ouyang            | ou         | yang     | a bare 'ouyang' too: a name has a given name
欧阳                | 欧          | 阳        | 欧 + 阳 without a title
Sima Patel        | patel      | sima     | Sima, a given name: the other word is no Chinese syllable
Sima              | sima       | -
huangfuming       | huang      | fuming   | 黄 + 富明 outnumbers 皇甫 + 明
yuwenjie          | yu         | wenjie   | 于/余 + 文杰, not 宇文 + 杰
dongfangming      | dong       | fangming
huangfujianhua    | huangfu    | jianhua  | 黄 + 富建华 would be a three-syllable given name
Chan Yu Man       | chan       | yu man   | 陈宇文 in Hong Kong spelling, not 宇文 (Cantonese 'yu man')
Wong Wai Chi      | wong       | wai chi  | not 尉迟 ('wai chi')
wangwei           | wang       | wei
WangWei           | wang       | wei
Jennifer Smith    | smith      | jennifer
"""


def _forms() -> list[tuple[str, str, str | None]]:
    rows = [line.split("|") for line in FORMS.strip().splitlines() if not line.startswith("#")]
    return [(r[0].strip(), r[1].strip(), None if r[2].strip() == "-" else r[2].strip()) for r in rows]


@pytest.mark.parametrize(("raw", "family", "given"), _forms())
def test_family_and_given_name_of_every_form(raw, family, given):
    assert _split(raw) == (family, given)


def test_spellings_and_syllables():
    assert {compound_of(w) for w in ("Ouyang", "Au-Yeung", "AUYEUNG", "Ou-yang", "Auyong")} == {"欧阳"}
    assert {compound_of(w) for w in ("Szeto", "Sze-to", "Seto", "Situ", "Ssutu")} == {"司徒"}
    assert compound_of("Ou") is None and compound_of("Patel") is None and compound_of("欧阳") is None
    assert syllable_count("yang haoran") == 3 and syllable_count("ka-man") == 2
    assert syllable_count("patel") is None


def test_a_romanised_compound_is_keyed_as_its_hanzi():
    """'Szeto', 'Situ' and 司徒 agree on the family name in every romanisation; 'Ouyang' and 'Au-Yeung' too."""
    persons = pd.DataFrame(
        {
            "source": ["a", "b", "c", "d", "e"],
            "source_record_id": ["1", "2", "3", "4", "5"],
            "family_name": ["司徒", "szeto", "situ", "ouyang", "au-yeung"],
            "given_name": ["浩然", "haoran", "haoran", "haoran", "haoran"],
        }
    )
    keys = prepare_records(persons).set_index("source")[["family_key", "family_key_yue", "family_key_wg"]]
    assert keys.loc["b"].tolist() == keys.loc["a"].tolist() == keys.loc["c"].tolist()
    assert keys.loc["d"].tolist() == keys.loc["e"].tolist() == ["ouyang", "auyeung", "ouyang"]
