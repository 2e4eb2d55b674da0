"""One person under his English given name in the CRMs ('Leo Zhang') and his Chinese one in the sales app (张娟):
the CRM record holding his mobile and both his mailboxes joins them, though the English-name record that holds
only his private mailbox shares nothing with the Chinese-name ones but the family name. Its disagreements with
them are two writings of one name and of one company (Guangzhou Borui Trading, 广州博瑞贸易), a private mailbox
beside a work one and an office landline beside a mobile: none tells two people apart. And 'Amy Zhou' in the CRM
and 周强 in the sales app, each the only record of her there, on one mobile: one person."""

import pandas as pd
import pytest
from planted_people import customer_by_record_id

from linkage.records import build_person_records

FAMILY = [("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang")]
GIVEN = [("子轩", "zixuan"), ("一诺", "yinuo"), ("浩宇", "haoyu"), ("欣妍", "xinyan"), ("梓涵", "zihan")]
MOBILE, PRIVATE, WORK = "18992224998", "zhangjuan1966@126.com", "jzhang7@boruitrad.com.cn"
COMPANY, COMPANY_HANZI = "Guangzhou Borui Trading", "广州博瑞贸易"

PLANTED = {  # source → rows of Leo Zhang / 张娟, and of Amy Zhou / 周强
    "zoho": [{"source_record_id": "LEO_BOTH", "full_name": "Leo Zhang", "email": PRIVATE, "email_secondary": WORK,
              "phone_mobile": MOBILE, "company": COMPANY},
             {"source_record_id": "AMY", "full_name": "Amy Zhou", "email": "4683610719@qq.com",
              "phone_mobile": "17702120682"}],
    "hubspot": [{"source_record_id": "LEO_PRIVATE", "full_name": "Leo Zhang", "email": PRIVATE,
                 "phone_office": "020-7895 3641", "company": COMPANY}],
    "fxiaoke": [{"source_record_id": "JUAN_WORK", "full_name": "张娟", "email": WORK, "phone_mobile": MOBILE,
                 "company": COMPANY_HANZI},
                {"source_record_id": "JUAN_MOBILE", "full_name": "张娟", "phone_mobile": MOBILE,
                 "company": COMPANY_HANZI},
                {"source_record_id": "QIANG", "full_name": "周强", "phone_mobile": "+86-177-0212-0682"}],
}  # fmt: skip


def _persons() -> pd.DataFrame:
    rows: dict[str, list[dict]] = {"zoho": [], "hubspot": [], "fxiaoke": []}
    for i in range(120):  # background: each person in pinyin in the CRMs, in Hanzi in the sales app
        (fh, fp), (gh, gp) = FAMILY[i % 6], GIVEN[(i * 7) % 5]
        mobile, mail = f"139{i:08d}", f"{gp}.{fp}{i}@163.com"
        pinyin = {"given_name": gp.title(), "family_name": fp.title(), "email": mail}
        rows["zoho"].append({"source_record_id": f"Z{i}", **pinyin, "phone_mobile": mobile})
        rows["hubspot"].append({"source_record_id": f"H{i}", **pinyin})
        rows["fxiaoke"].append({"source_record_id": f"F{i}", "full_name": fh + gh, "email": mail,
                                "phone_mobile": mobile})  # fmt: skip
    for source, planted in PLANTED.items():
        rows[source] += planted
    return pd.concat(
        [build_person_records(pd.DataFrame(r).fillna(""), "contact", s) for s, r in rows.items()],
        ignore_index=True,
    )


@pytest.fixture(scope="module")
def customer() -> dict[str, str]:
    return customer_by_record_id(_persons())


def test_english_and_chinese_given_names_of_one_person_are_one_customer(customer):
    assert customer["LEO_BOTH"] == customer["LEO_PRIVATE"] == customer["JUAN_WORK"] == customer["JUAN_MOBILE"]


def test_background_people_are_linked(customer):
    assert all(customer[f"Z{i}"] == customer[f"H{i}"] == customer[f"F{i}"] for i in range(120))


def test_lone_records_of_one_name_in_two_writings_on_one_mobile_are_one_customer(customer):
    assert customer["AMY"] == customer["QIANG"]
