"""Family members sharing one mobile: a parent and a child (same family name, possibly the same gender, each
with a personal e-mail) give the same number. The number is then not one person's: it must not merge them,
nor place the phone-only rows (a survey answer, a call) that carry it. The same person written in Hanzi,
traditional characters, pinyin or beside an English name still shares a personal number."""

import pandas as pd
import pytest
from planted_people import customer_by_record_id, planted_person_records

FAMILY = [("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
          ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun")]  # fmt: skip
GIVEN = [("子轩", "zixuan"), ("一诺", "yinuo"), ("浩宇", "haoyu"), ("欣妍", "xinyan"), ("梓涵", "zihan"),
         ("宇航", "yuhang"), ("思远", "siyuan"), ("佳怡", "jiayi"), ("俊熙", "junxi"), ("博文", "bowen")]  # fmt: skip
PEOPLE = 150


def _background() -> tuple[list[dict], list[dict]]:
    """Each person once in Hanzi (crm_a) and once in pinyin (crm_b): distinct mobiles and mailboxes, every
    fourth with a work mailbox in crm_b (one person's two mailboxes are common)."""
    a, b = [], []
    for i in range(PEOPLE):
        (fh, fp), (gh, gp) = FAMILY[i % 12], GIVEN[(i * 7) % 10]
        mobile, mail = f"139{i:08d}", f"{gp}.{fp}{i}@163.com"
        a.append({"source_record_id": f"A{i}", "full_name": fh + gh, "email": mail, "phone_mobile": mobile})
        work = i % 4 == 0
        b.append(
            {
                "source_record_id": f"B{i}",
                "given_name": gp.title(),
                "family_name": fp.title(),
                "email": f"{gp}{i}@corp.cn" if work else mail.upper() if i % 3 else mail,
                "phone_mobile": "+86 " + mobile if work or i % 2 else "",
            }
        )
    return a, b


# (source, id, full name, given, family, e-mail, mobile): the planted rows
PLANTED = [
    # a mother and her daughter: one mobile, two personal mailboxes; the daughter again in pinyin
    ("crm_a", "MOTHER", "朱雨玲", "", "", "yuling.zhu@qq.com", "137-3065-3827"),
    ("crm_b", "DAUGHTER", "朱娜", "", "", "9755460151@qq.com", "13730653827"),
    ("crm_b", "DAUGHTER_PINYIN", "", "Na", "Zhu", "", "+86 137 3065 3827"),
    ("survey", "BY_PHONE", "", "", "", "", "１３７３０６５３８２７"),
    # a father (in Hanzi and pinyin) and his son (pinyin only, from an enrichment file), each with his own
    # mailbox
    ("crm_a", "FATHER", "郭志强", "", "", "zhiqiang.guo@163.com", "13812345670"),
    ("crm_b", "FATHER_PINYIN", "", "Zhiqiang", "Guo", "zhiqiang.guo@163.com", "13812345670"),
    ("enrich", "SON", "", "Haoran", "Guo", "haoran_guo@126.com", "138 1234 5670"),
    ("survey", "BY_PHONE_2", "", "", "", "", "+8613812345670"),
    # one woman: traditional and simplified characters, one mobile, two mailboxes (work and private)
    ("crm_a", "TRAD", "陳雨婷", "", "", "yuting@corp-one.cn", "13600001111"),
    ("crm_b", "SIMP", "陈雨婷", "", "", "chenyuting88@qq.com", "136 0000 1111"),
    ("survey", "BY_PHONE_3", "", "", "", "", "13600001111"),
    # one man with an English name beside his Chinese one: one mobile, one mailbox
    ("crm_a", "ZHANGWEI", "张伟", "", "", "zw1980@qq.com", "13500002222"),
    ("crm_b", "KEVIN", "", "Kevin", "Zhang", "zw1980@qq.com", "135-0000-2222"),
    ("survey", "BY_PHONE_4", "", "", "", "", "+86 13500002222"),
    # one woman, one character mistyped in the second CRM: one mobile, one mailbox
    ("crm_a", "HAIYAN", "刘海燕", "", "", "liuhy@sina.com", "13400003333"),
    ("crm_b", "MEIYAN", "刘梅燕", "", "", "liuhy@sina.com", "13400003333"),
    ("survey", "BY_PHONE_5", "", "", "", "", "134 0000 3333"),
]


def _persons() -> pd.DataFrame:
    a, b = _background()
    return planted_person_records({"crm_a": a, "crm_b": b, "enrich": [], "survey": []}, PLANTED)


@pytest.fixture(scope="module")
def customer():
    return customer_by_record_id(_persons())


def test_a_mobile_a_mother_and_daughter_share_merges_neither_them_nor_its_callers(customer):
    assert customer["MOTHER"] != customer["DAUGHTER"]
    assert customer["DAUGHTER_PINYIN"] == customer["DAUGHTER"]  # her name in pinyin, the same number
    assert customer["BY_PHONE"] not in (customer["MOTHER"], customer["DAUGHTER"])


def test_a_mobile_father_and_son_share_in_pinyin_merges_neither(customer):
    """The son in pinyin only: two different given names, each man with his own mailbox."""
    assert customer["FATHER"] != customer["SON"]
    assert customer["BY_PHONE_2"] not in (customer["FATHER"], customer["SON"])


def test_one_person_in_other_characters_or_names_keeps_a_personal_mobile(customer):
    assert customer["TRAD"] == customer["SIMP"]
    assert customer["BY_PHONE_3"] == customer["TRAD"]
    assert customer["KEVIN"] == customer["ZHANGWEI"] == customer["BY_PHONE_4"]
    assert customer["HAIYAN"] == customer["MEIYAN"] == customer["BY_PHONE_5"]


def test_given_names_in_pinyin_and_english_names():
    """Which Latin given names read as Chinese ones (linkage/contact_points.py two_mailboxes)."""
    from linkage.standardise.chinese import reads_as_pinyin

    assert all(map(reads_as_pinyin, ["haoran", "zhiqiang", "na", "yu-ling", "Wei Li"]))
    # English names, some of which pypinyin's rare readings and interjections would spell (he-le-n, le-o)
    assert not any(map(reads_as_pinyin, ["kevin", "helen", "leo", "jason", "grace", ""]))
