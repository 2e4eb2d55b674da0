"""A whole name typed into one name field (linkage/records.py, linkage/standardise/names.py).

Chinese Salesforce orgs leave First Name blank and type the whole name into Last Name, the required field
('李强婷'); forms that ask for one name fill HubSpot's or Zoho's first name ('Wei Zhang'). Such a record must
read as the same person's record with a proper split or a full-name column reads: family 李, given 强婷, not
family 李强婷. A value that is a family name alone ('王', '欧阳', 'Smith', 'Au Yeung') stays one, and a
source that gives both parts keeps its own split."""

import pandas as pd
import pytest

from linkage.config import load_linkage_config
from linkage.datasets import record_keys
from linkage.engine import link
from linkage.records import build_person_records

NAME_COLUMNS = ["full_name", "name_script", "family_name", "given_name", "name_pinyin"]


def _records(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows).assign(source_record_id=[str(i) for i in range(len(rows))])
    frame = frame.reindex(columns=["source_record_id", "full_name", "given_name", "family_name"])
    persons = build_person_records(frame.fillna("").assign(_source="crm"), "contact", "crm")
    return persons.set_index("source_record_id").loc[frame["source_record_id"], NAME_COLUMNS]


def _parts(given: str, family: str) -> tuple[str | None, str | None]:
    row = _records([{"given_name": given, "family_name": family}]).iloc[0]
    return tuple(None if pd.isna(row[c]) else row[c] for c in ("family_name", "given_name"))


# first name | last name | family | given ('-': none) | why
FIELDS = """
          | 李强婷            | 李         | 强婷    | Salesforce: the whole name in Last Name, First Name blank
李强婷       |                | 李         | 强婷    | the other way round
          | 李強婷            | 李         | 强婷    | traditional
          | 王伟             | 王         | 伟     | two characters
          | 萧欣辉            | 萧         | 欣辉    | a surname no romanisation orders Latin names by
          | 欧阳浩然           | 欧阳        | 浩然    | compound surname
          | 歐陽娜            | 欧阳        | 娜
司马光       |                | 司马        | 光
          | 张伟 Kevin       | 张         | 伟     | with an English alias
          | Wei Zhang      | zhang     | wei    | two Latin words
          | ZHANG Wei      | zhang     | wei
          | Zhang, Wei     | zhang     | wei
          | OuyangHaoran   | ouyang    | haoran | capitals mark the words
Wei Zhang |                | zhang     | wei    | HubSpot/Zoho first name
Jennifer Smith |           | smith     | jennifer
# a family name alone stays one
          | 王              | 王         | -      | one character
          | 王先生            | 王         | -
          | 欧阳             | 欧阳        | -      | a compound surname alone (split_names reads 欧 + 阳 only in a full name)
          | 司马             | 司马        | -
          | Smith          | smith     | -      | one Latin word
          | Ouyang         | ouyang    | -
          | Huang          | huang     | -      | not hu + ang
          | Au Yeung       | au yeung  | -      | a compound written apart
          | van der Berg   | van der berg | -   | a surname particle
# a given name alone stays one
伟         |                | -         | 伟
强婷        |                | -         | 强婷
Mary      |                | -         | mary
John A.   |                | -         | john a | an initial is no family name
# both parts given: the source's split wins
强婷        | 李              | 李         | 强婷
阳娜        | 欧              | 欧         | 阳娜    | the source says 欧 + 阳娜, not 欧阳 + 娜
Jack      | Li             | li        | jack
# a placeholder beside the name: the name alone, read as such; 'Na' (娜) is a given name, not n/a
N/A       | 李强婷            | 李         | 强婷
李强婷       | 无              | 李         | 强婷
Na        | Li             | li        | na
"""


def _fields() -> list[tuple[str, str, str | None, str | None]]:
    rows = [line.split("|") for line in FIELDS.strip().splitlines() if not line.startswith("#")]
    out = []
    for r in rows:
        family, given = (None if r[i].strip() == "-" else r[i].strip() for i in (2, 3))
        out.append((r[0].strip(), r[1].strip(), family, given))
    return out


@pytest.mark.parametrize(("first", "last", "family", "given"), _fields())
def test_family_and_given_name_of_one_filled_field(first, last, family, given):
    assert _parts(first, last) == (family, given)


@pytest.mark.parametrize(
    "whole", ["李强婷", "李強婷", "欧阳浩然", "王伟", "Wei Zhang", "ZHANG Wei", "Jennifer Smith"]
)
def test_a_whole_name_in_either_field_reads_as_in_a_full_name_column(whole):
    rows = [{"family_name": whole}, {"given_name": whole}, {"full_name": whole}]
    last, first, full = _records(rows).to_numpy().tolist()
    assert last == first == full, (last, first, full)


def test_a_whole_name_in_last_name_reads_as_the_proper_split():
    rows = [{"family_name": "李强婷"}, {"family_name": "李", "given_name": "强婷"}]
    whole, split = _records(rows).to_numpy().tolist()
    assert whole == split == ["李强婷", "hanzi", "李", "强婷", "li qiangting"]


def _export(source: str, rows: list[tuple]) -> pd.DataFrame:
    columns = ["source_record_id", "full_name", "given_name", "family_name", "email", "phone_mobile", "city"]
    frame = pd.DataFrame(rows, columns=columns).fillna("")
    return build_person_records(frame.assign(_source=source), "contact", source)


def test_the_whole_name_in_last_name_links_to_the_same_persons_english_name_record():
    """The probe's case: 李强婷 in Salesforce's Last Name and 'Jack Li' in Zoho, one mailbox and mobile, are one
    customer (read as family 李强婷 they were two); another 李 in the same city is another."""
    salesforce = _export("salesforce", [
        ("SF1", None, None, "李强婷", "liqiangting70@hotmail.com", "0086-13809581270", "Shanghai"),
        ("SF2", None, None, "张伟", "zw1975@126.com", "13712340003", "北京"),
        ("SF3", None, None, "欧阳俊杰", "ouyjj@163.com", "13912340002", "深圳"),
    ])  # fmt: skip
    zoho = _export("zoho", [
        ("ZO1", None, "Jack", "Li", "liqiangting70@hotmail.com", "13809581270", "Shanghai"),
        ("ZO2", None, "Wei", "Zhang", "zw1975@126.com", None, "Beijing"),
        ("ZO3", None, "Junjie", "Ouyang", "ouyjj@163.com", "13912340002", "Shenzhen"),
    ])  # fmt: skip
    fxiaoke = _export("fxiaoke", [
        ("FX2", "李明", None, None, "liming1968@163.com", "13809585555", "Shanghai"),
    ])  # fmt: skip
    persons = pd.concat([salesforce, zoho, fxiaoke], ignore_index=True)
    assert persons.set_index("source_record_id").loc["SF1", ["family_name", "given_name"]].tolist() == [
        "李",
        "强婷",
    ]
    xref = link(persons, load_linkage_config()).xref
    cid = dict(zip(record_keys(xref), xref["customer_id"], strict=True))
    assert cid["salesforce\x1fSF1"] == cid["zoho\x1fZO1"]
    assert cid["salesforce\x1fSF2"] == cid["zoho\x1fZO2"]
    assert cid["salesforce\x1fSF3"] == cid["zoho\x1fZO3"]
    assert cid["fxiaoke\x1fFX2"] != cid["salesforce\x1fSF1"]
