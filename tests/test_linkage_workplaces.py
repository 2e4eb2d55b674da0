"""Colleagues behind one company switchboard: the landline and the company are one fact about where they work,
not two pieces of evidence that they are one person. Two colleagues with the same English given name ('Cindy
Huang' and 'Cindy Chen') and their own mobiles and mailboxes stay two customers; one person written the same
way at that switchboard in two CRMs is still one."""

import pandas as pd
import pytest

from linkage.config import load_linkage_config
from linkage.engine import link
from linkage.records import build_person_records

FAMILY = ["wang", "li", "zhang", "liu", "chen", "yang", "huang", "zhao", "wu", "zhou", "xu", "sun"]
GIVEN = ["zixuan", "yinuo", "haoyu", "xinyan", "zihan", "yuhang", "siyuan", "jiayi", "junxi", "bowen"]
SWITCHBOARD = "021-8932 9884"
COMPANY = "Shanghai Zhongke Logistics"
CITIES = ["Beijing", "Shanghai", "Shenzhen", "Chengdu", "Hangzhou", "Nanjing"]

# (source, id, given, family, e-mail, mobile): each at the company, its switchboard as the office phone
PLANTED = [
    ("crm_a", "CINDY_HUANG", "Cindy", "Huang", "kunbin.huang@sina.com", "13349096912"),
    ("crm_b", "CINDY_CHEN", "Cindy", "Chen", "3535251752@qq.com", "13386715272"),
    ("crm_a", "JACK_LIN_A", "Jack", "Lin", "jack.lin@zhongke-log.cn", "18913302649"),
    ("crm_b", "JACK_LIN_B", "Jack", "Lin", "5016247689@qq.com", ""),
]


def _persons() -> pd.DataFrame:
    rows: dict[str, list[dict]] = {"crm_a": [], "crm_b": []}
    for i in range(150):  # background: each person in both CRMs, a mobile and a private mailbox of their own;
        # in crm_b some without the mobile, some with a work mailbox instead (never both: nothing in common)
        family, given = FAMILY[i % 12], GIVEN[(i * 7) % 10]
        private, work = f"{given}.{family}{i}@163.com", f"{given[0]}{family}{i}@corp{i % 9}.cn"
        for source in rows:
            rows[source].append({"source_record_id": f"{source}{i}", "given_name": given.title(),
                                 "family_name": family.title(), "phone_office": "", "company": "",
                                 "city": CITIES[i % 6],
                                 "email": work if source == "crm_b" and i % 2 and i % 3 else private,
                                 "phone_mobile": "" if source == "crm_b" and i % 3 == 0 else f"139{i:08d}"})  # fmt: skip
    for source, rid, given, family, email, mobile in PLANTED:
        rows[source].append({"source_record_id": rid, "given_name": given, "family_name": family, "email": email,
                             "phone_mobile": mobile, "phone_office": SWITCHBOARD, "company": COMPANY,
                             "city": "Shanghai"})  # fmt: skip
    return pd.concat(
        [build_person_records(pd.DataFrame(r), "contact", s) for s, r in rows.items()], ignore_index=True
    )


@pytest.fixture(scope="module")
def customer() -> dict[str, str]:
    result = link(_persons(), load_linkage_config())
    xref = result.xref.assign(rid=result.xref["source_record_id"].str.split(":").str[-1])
    return dict(zip(xref["rid"], xref["customer_id"], strict=True))


def test_colleagues_with_one_given_name_behind_one_switchboard_are_two_customers(customer):
    assert customer["CINDY_HUANG"] != customer["CINDY_CHEN"]


def test_one_person_at_the_switchboard_in_two_crms_is_one_customer(customer):
    assert customer["JACK_LIN_A"] == customer["JACK_LIN_B"]


def test_background_people_are_linked(customer):
    assert all(customer[f"crm_a{i}"] == customer[f"crm_b{i}"] for i in range(150))
