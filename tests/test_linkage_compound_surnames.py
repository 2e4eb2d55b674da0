"""A compound-surname customer across scripts (欧阳浩然 / 'ouyanghaoran') is one customer; two Ouyangs are two.

Built from raw exports through build_person_records, so the name splitter (linkage/standardise/
compound_surnames.py) is what decides: read as family 'ou', given 'yanghaoran', the joined pinyin
disagreed with its Hanzi record on both name parts and the pair was never made."""

import pandas as pd

from linkage.config import load_linkage_config
from linkage.datasets import record_keys
from linkage.engine import link
from linkage.records import build_person_records


def _export(source: str, rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(
        rows, columns=["source_record_id", "full_name", "email", "phone_mobile", "birth_date", "city"]
    )
    return build_person_records(frame.assign(_source=source), "contact", source)


def _persons() -> pd.DataFrame:
    crm = _export("crm", [
        ("c1", "欧阳浩然", "hr.ouyang@qq.com", "13812340001", "1988-04-12", "深圳市"),
        ("c2", "歐陽俊傑", "ouyjj@163.com", "13912340002", "1979-11-30", "深圳"),
        ("c3", "张伟", "zw1975@126.com", "13712340003", "1975-02-02", "北京"),
    ])  # fmt: skip
    shop = _export("shop", [
        # Haoran's own shop account: another mailbox and mobile, his birth date and city.
        ("s1", "ouyanghaoran", "haoran.shop@gmail.com", "13512349999", "1988-04-12", "Shenzhen"),
        # Another Ouyang in the same city, written the same way: nothing personal in common with Haoran.
        ("s2", "OuyangJunjie", "junjie.oy@gmail.com", "13612348888", "1992-06-18", "Shenzhen"),
        ("s3", "Wei Zhang", "zw1975@126.com", None, "1975-02-02", "Beijing"),
    ])  # fmt: skip
    return pd.concat([crm, shop], ignore_index=True)


def test_compound_surname_in_hanzi_and_joined_pinyin_is_one_customer_and_two_ouyangs_are_two():
    persons = _persons()
    assert persons.set_index("source_record_id").loc[["c1", "s1"], "family_name"].tolist() == [
        "欧阳",
        "ouyang",
    ]
    xref = link(persons, load_linkage_config()).xref
    cid = dict(zip(record_keys(xref), xref["customer_id"], strict=True))
    assert cid["crm\x1fc1"] == cid["shop\x1fs1"]  # 欧阳浩然 = ouyanghaoran
    assert cid["crm\x1fc3"] == cid["shop\x1fs3"]
    ouyangs = {cid["crm\x1fc1"], cid["crm\x1fc2"], cid["shop\x1fs2"]}
    assert len(ouyangs) == 3  # 欧阳浩然, 歐陽俊傑 (1979) and OuyangJunjie (1992): three people
