import pandas as pd
import pytest

from assets.entities import Pii
from assets.privacy.masking import (
    Action,
    apply_policy,
    mask_email,
    mask_phone,
    mask_preview,
    mask_text,
    neutralise_formula,
    neutralise_formulas,
)


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("13812345678", "138****5678"),
        ("+86 138-1234-5678", "138****5678"),
        ("021-6123-4567", "021****4567"),
        ("12345", "*****"),
    ],
)
def test_mask_phone(raw, masked):
    assert mask_phone(raw) == masked


def test_mask_email_and_name():
    assert mask_email("zhang.wei@example.com") == "z***@example.com"
    assert mask_email("not-an-email") == "***"
    assert mask_text("张伟") == "张*"
    assert mask_text("Wei Zhang") == "W*** Z***"


FRAME = pd.DataFrame(
    {
        "customer_id": ["C1", "C2", "C3"],
        "email": ["Zhang.Wei@163.com", "zhang.wei@163.com ", None],
        "phone_mobile": ["+86 138 1234 5678", "13812345678", ""],
        "address": ["上海市徐汇区漕溪北路1号", "x", None],
    }
)
TAGS = {"email": Pii.EMAIL, "phone_mobile": Pii.PHONE, "address": Pii.ADDRESS}


def test_each_action():
    policy = {Pii.EMAIL: Action.MASKED, Pii.PHONE: Action.HASHED, Pii.ADDRESS: Action.DROPPED}
    out, applied = apply_policy(FRAME, TAGS, policy, key=b"secret")
    assert applied == {"email": Action.MASKED, "phone_mobile": Action.HASHED, "address": Action.DROPPED}
    assert "address" not in out.columns
    assert out["email"].tolist() == ["Z***@163.com", "z***@163.com", None]
    # the same number written two ways hashes to the same value: joins across tables still work
    assert out["phone_mobile"][0] == out["phone_mobile"][1]
    assert len(out["phone_mobile"][0]) == 64 and "138" not in out["phone_mobile"][0]
    assert out["phone_mobile"][2] is None
    assert out["customer_id"].tolist() == ["C1", "C2", "C3"]
    assert FRAME["email"][0] == "Zhang.Wei@163.com"  # input untouched


def test_hash_depends_on_key_and_tag_missing_from_policy_is_dropped():
    a, _ = apply_policy(FRAME, TAGS, {Pii.EMAIL: Action.HASHED}, key=b"k1")
    b, _ = apply_policy(FRAME, TAGS, {Pii.EMAIL: Action.HASHED}, key=b"k2")
    assert a["email"][0] == a["email"][1] != b["email"][0]
    assert "phone_mobile" not in a.columns and "address" not in a.columns  # fail closed


def test_hashed_without_key_names_the_variable(monkeypatch):
    monkeypatch.delenv("C360_HMAC_KEY", raising=False)
    with pytest.raises(RuntimeError, match="C360_HMAC_KEY"):
        apply_policy(FRAME, TAGS, {Pii.EMAIL: Action.HASHED})


def test_full_keeps_clear_text():
    out, _ = apply_policy(FRAME, TAGS, dict.fromkeys(Pii, Action.FULL))
    pd.testing.assert_frame_equal(out, FRAME)


@pytest.mark.parametrize("cell", ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1"])
def test_formulas_neutralised(cell):
    assert neutralise_formula(cell) == "'" + cell


def test_neutralise_leaves_numbers_and_plain_text():
    frame = pd.DataFrame({"n": [-1.5, 2.0], "s": ['=HYPERLINK("x")', "张伟"]})
    out = neutralise_formulas(frame)
    assert out["n"].tolist() == [-1.5, 2.0]
    assert out["s"].tolist() == ['\'=HYPERLINK("x")', "张伟"]


def test_preview_for_metadata_has_no_clear_pii():
    valid = pd.DataFrame(
        {"source_record_id": ["CRM-1"], "full_name": ["张伟"], "email": ["Zhang.Wei@163.com"],
         "phone_mobile": ["138 1234 5678"], "wechat_id": ["wxid_zw"], "amount": ["199"],
         "_extra": ['{"备注": "VIP 张伟"}']}
    )  # fmt: skip
    out = mask_preview(valid)
    text = out.to_csv()
    for clear in ("张伟", "Zhang.Wei", "1234", "wxid_zw"):
        assert clear not in text
    assert out.loc[0, "email"] == "Z***@163.com" and out.loc[0, "amount"] == "199"
    assert mask_preview(None).empty


def test_quarantine_preview_masks_raw_values_by_their_column():
    quarantine = pd.DataFrame(
        {"column": ["email", "amount", "", "phone_mobile+phone_office"],
         "check": ["email_format", "number", "parseable_row", "phone_format"],
         "raw_value": ["zhang.wei@@163.com", "12,5x", "CRM-9,张伟,zw@163.com", "1381234"]}
    )  # fmt: skip
    out = mask_preview(quarantine)["raw_value"].tolist()
    assert out == ["z***@163.com", "12,5x", "****", "*******"]
