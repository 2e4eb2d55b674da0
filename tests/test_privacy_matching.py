import pandas as pd

from assets.entities import Pii
from assets.privacy.identifiers import digest, hash_values
from assets.privacy.matching import (
    CUSTOMER_ID,
    EMAIL,
    PHONE,
    SOURCE_RECORD,
    ErasureMatcher,
    source_record_key,
)

KEY = b"k"


def _matcher() -> ErasureMatcher:
    email = hash_values(["zhang.wei@163.com"], Pii.EMAIL, KEY)["zhang.wei@163.com"]
    phone = hash_values(["13812345678"], Pii.PHONE, KEY)["13812345678"]
    return (
        ErasureMatcher.empty(KEY)
        .extended(EMAIL, [email])
        .extended(PHONE, [phone])
        .extended(CUSTOMER_ID, [digest("C-0001", KEY)])
        .extended(SOURCE_RECORD, [digest(source_record_key("shop", "M-77"), KEY)])
    )


def test_matches_by_any_identifier_in_any_shape():
    frame = pd.DataFrame(
        {
            "email": ["ZHANG.WEI@163.COM ", "li.na@qq.com", None, "x@qq.com", "y@qq.com", "z@qq.com"],
            "phone_office": ["", "+86 138-1234-5678", None, "", "", ""],
            "emails": [[], [], ["zhang.wei+news@163.com"], [], [], []],
            "customer_id": ["C-9", "C-9", "C-9", "C-0001", "C-9", "C-9"],
            "_source": ["crm", "crm", "crm", "crm", "shop", "shop"],
            "customer_ref": ["A", "B", "C", "D", "M-77", "M-78"],
        },
        index=[10, 11, 12, 13, 14, 15],
    )
    hit = _matcher().match(frame)
    assert hit.index.tolist() == frame.index.tolist()
    assert hit.tolist() == [True, True, True, True, True, False]


def test_hashed_exports_and_extra_json_and_quarantine():
    matcher = _matcher()
    email_digest = next(iter(matcher.hashes[EMAIL]))
    exported = pd.DataFrame({"email": [email_digest, "ab" * 32]})  # a 'hashed' target with the same key
    assert matcher.match(exported).tolist() == [True, False]
    raw = pd.DataFrame(
        {"email": ["li@qq.com", "wang@qq.com"], "_extra": ['{"备用邮箱": "Zhang.Wei@163.com"}', "{}"]}
    )
    assert matcher.match(raw).tolist() == [True, False]
    quarantine = pd.DataFrame(
        {"column": ["phone_mobile", "birth_date", "email"], "raw_value": ["138 1234 5678", "13812345678", "bad@"],
         "file": "crm/a.csv", "line": [2, 3, 4]}
    )  # fmt: skip
    assert matcher.match(quarantine).tolist() == [True, False, False]
    by_line = matcher.extended(SOURCE_RECORD, file_lines={("crm/a.csv", 4)})
    assert by_line.match(quarantine).tolist() == [True, False, True]


def test_empty_matcher_matches_nothing_and_reads_only_needed_columns():
    frame = pd.DataFrame({"email": ["zhang.wei@163.com"], "amount": [1.0]})
    assert ErasureMatcher.empty(KEY).match(frame).tolist() == [False]
    assert _matcher().relevant_columns(
        ["order_id", "email", "amount", "_source", "customer_ref", "_extra"]
    ) == [
        "email",
        "_source",
        "customer_ref",
        "_extra",
    ]
