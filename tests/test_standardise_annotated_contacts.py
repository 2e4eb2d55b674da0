"""Contact cells as people type them into a CRM: a note after the number ('微信同号', '(mobile)'), an address
copied from a mail client with its display name ('Zhang San <zs@qq.com>') or a note in brackets. The number or
address is read; the note is dropped. A note is never taken for digits or letters of the value."""

import pandas as pd
import pytest

from linkage.records import build_person_records
from linkage.standardise import normalise_email, normalise_phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13957283416 微信同号", "+8613957283416"),  # "the same number is my WeChat"
        ("13957283416(微信同号)", "+8613957283416"),
        ("13957283416（本人）", "+8613957283416"),  # full-width brackets: "(self)"
        ("13957283416 手机", "+8613957283416"),
        ("139-5728-3416 (mobile)", "+8613957283416"),
        ("+86 13957283416 (WeChat)", "+8613957283416"),
        ("0571-88012345 办公室", "+8657188012345"),
        ("0571-8801 2345 转 8021 (前台)", "+8657188012345"),  # extension and note: the switchboard
        ("(212) 555-0142 work", "+12125550142"),
        ("13957283416 (mobile)", "+8613957283416"),
        ("13800138000 微信同号", None),  # a placeholder stays a placeholder
        ("139****3416 (masked)", None),
        ("微信同号", None),
    ],
)
def test_a_note_after_a_number_is_dropped(raw, expected):
    got = normalise_phone(pd.Series([raw], dtype="string"), "CN").iloc[0]
    assert (None if pd.isna(got) else got) == expected


def test_letters_that_spell_digits_are_no_note():
    got = normalise_phone(pd.Series(["1-800-FLOWERS"], dtype="string"), "US").iloc[0]
    assert got == "+18003569377"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Zhang San <zs@qq.com>", "zs@qq.com"),
        ('"Zhang, San" <ZS@QQ.COM>', "zs@qq.com"),
        ("张三 <zs@qq.com>", "zs@qq.com"),
        ("zs@qq.com (personal)", "zs@qq.com"),
        ("zs@qq.com（私人）", "zs@qq.com"),
        ("<zs@qq.com>", "zs@qq.com"),
        ("Zhang San <>", None),
        ("Zhang San", None),
        ("(zs@qq.com)", "zs@qq.com"),
    ],
)
def test_a_display_name_or_note_beside_an_address_is_dropped(raw, expected):
    got = normalise_email(pd.Series([raw], dtype="string")).iloc[0]
    assert (None if pd.isna(got) else got) == expected


def test_annotated_contacts_reach_the_person_records():
    frame = pd.DataFrame(
        {
            "_source": ["crm", "crm"],
            "source_record_id": ["1", "2"],
            "full_name": ["张三", "李四"],
            "email": ["Zhang San <zs@qq.com>", "ls@163.com (home); li.si@corp.cn"],
            "phone_mobile": ["13957283416 微信同号", "0571-88012345 办公室 / 13812345679（本人）"],
        }
    )
    records = build_person_records(frame, "contacts", "crm")
    assert list(records.emails[0]) == ["zs@qq.com"]
    assert list(records.phones[0]) == ["+8613957283416"]
    assert list(records.emails[1]) == ["ls@163.com", "li.si@corp.cn"]
    assert list(records.phones[1]) == ["+8657188012345", "+8613812345679"]
