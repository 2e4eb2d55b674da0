"""Validation rules of sources.yaml: formats, bounds, lengths, allowed values, conditional `required`, checks on
unmapped columns and the order rules; rows in = valid + quarantined under every one of them."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from pydantic import ValidationError

from assets.ingest.config import SourceConfig
from assets.validate import validate_source

TODAY = dt.date(2026, 3, 1)
COLUMNS = {"ID": "source_record_id", "Email": "email", "Phone": "phone_mobile", "Born": "birth_date",
           "Segment": "segment", "Name": "full_name"}  # fmt: skip


def contacts(**kw) -> SourceConfig:
    return SourceConfig(name="crm", entity="contact", glob="crm/*", columns=COLUMNS, **kw)


def frame(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows, dtype="string")
    df["_file"], df["_line"], df["_run_date"] = "crm/a.csv", range(2, 2 + len(df)), "2026-03-01"
    if "_extra" not in df:
        df["_extra"] = "{}"
    return df


def failures(cfg: SourceConfig, rows: list[dict]) -> list[tuple]:
    res = validate_source(cfg, frame(rows), today=TODAY)
    assert res.counts["rows_in"] == res.counts["rows_valid"] + res.counts["rows_quarantined"] == len(rows)
    return sorted(zip(res.quarantine["line"], res.quarantine["column"], res.quarantine["check"], strict=True))


def test_formats_lengths_allowed_values_and_a_date_window():
    cfg = contacts(
        rules={
            "email": {"format": "email"},
            "phone_mobile": {"format": "phone"},
            "full_name": {"max_length": 5},
            "segment": {"allowed": ["B2B", "B2C"]},
            "birth_date": {"min": "1900-01-01", "max": "today"},
        }
    )
    rows = [
        {"source_record_id": "1", "email": "a@x.com", "phone_mobile": "+86 138-0013-8000", "full_name": "Amy",
         "segment": " b2c ", "birth_date": "1990-01-02"},  # fine: allowed values ignore case and spaces
        {"source_record_id": "2", "email": "not-an-email", "phone_mobile": "12", "full_name": "Bartholomew",
         "segment": "VIP", "birth_date": "1850-01-01"},
        {"source_record_id": "3", "email": "", "phone_mobile": "", "full_name": "", "segment": "",
         "birth_date": "2026-03-02"},  # empty values are not format errors; tomorrow is after today
    ]  # fmt: skip
    assert failures(cfg, rows) == [
        (3, "birth_date", "min"),
        (3, "email", "format_email"),
        (3, "full_name", "max_length"),
        (3, "phone_mobile", "format_phone"),
        (3, "segment", "allowed_values"),
        (4, "birth_date", "max"),
    ]


def test_required_true_and_false_override_the_entity():
    cfg = contacts(rules={"email": {"required": True}, "source_record_id": {"required": False}})
    assert "email" in cfg.required_columns and "source_record_id" not in cfg.required_columns
    rows = [{"source_record_id": "", "email": "a@x.com"}, {"source_record_id": "2", "email": " "}]
    assert failures(cfg, rows) == [(3, "email", "not_empty")]


def test_extra_rules_check_unmapped_columns_in_extra():
    cfg = contacts(extra_rules={"Tier": {"required": True, "allowed": ["gold", "silver"]}})
    rows = [
        {"source_record_id": "1", "_extra": '{"Tier":"Gold"}'},
        {"source_record_id": "2", "_extra": '{"Tier":"platinum"}'},
        {"source_record_id": "3", "_extra": '{"Other":"x"}'},
    ]
    assert failures(cfg, rows) == [(3, "Tier", "allowed_values"), (4, "Tier", "not_empty")]


def test_invited_campaign_members_may_lack_joined_at_and_it_is_configurable():
    base = dict(name="camp", entity="campaign_member", glob="c/*",
                columns={"c": "campaign_id", "j": "joined_at", "s": "member_status"})  # fmt: skip
    rows = [
        {"campaign_id": "K1", "joined_at": "", "member_status": "Invited"},
        {"campaign_id": "K1", "joined_at": "", "member_status": "registered"},
        {"campaign_id": "K1", "joined_at": "2026-02-01", "member_status": "attended"},
    ]
    assert failures(SourceConfig(**base), rows) == [(3, "joined_at", "not_empty")]
    wider = SourceConfig(
        **base, rules={"joined_at": {"unless": {"member_status": ["invited", "registered"]}}}
    )
    assert failures(wider, rows) == []
    strict = SourceConfig(**base, rules={"joined_at": {"unless": {}}})
    assert failures(strict, rows) == [(2, "joined_at", "not_empty"), (3, "joined_at", "not_empty")]


ORDER_COLUMNS = {"id": "order_id", "d": "order_date", "q": "quantity", "p": "unit_price", "a": "amount"}


def test_order_rules_quantity_amount_and_future_dates():
    cfg = SourceConfig(name="shop", entity="order", glob="o/*", columns=ORDER_COLUMNS)
    rows = [
        {"order_id": "1", "order_date": "2026-03-01 23:59", "quantity": "3", "unit_price": "3.33", "amount": "9.99"},
        {"order_id": "2", "order_date": "2026-02-01", "quantity": "-1", "unit_price": "5", "amount": "-5"},
        {"order_id": "3", "order_date": "2026-02-01", "quantity": "2", "unit_price": "5", "amount": "11"},
        {"order_id": "4", "order_date": "2042-01-01", "quantity": "1", "unit_price": "5", "amount": "5"},
        {"order_id": "5", "order_date": "2026-02-01", "quantity": "", "unit_price": "", "amount": "7"},
    ]  # fmt: skip
    assert failures(cfg, rows) == [
        (3, "quantity", "greater_than"),
        (4, "amount", "amount_matches_quantity_times_price"),
        (5, "order_date", "max"),
    ]
    loose = SourceConfig(name="shop", entity="order", glob="o/*", columns=ORDER_COLUMNS,
                         amount_check={"tolerance": 1}, rules={"order_date": {"max": "today+365d"}})  # fmt: skip
    assert failures(loose, rows) == [(3, "quantity", "greater_than"), (5, "order_date", "max")]
    off = SourceConfig(name="shop", entity="order", glob="o/*", columns=ORDER_COLUMNS, amount_check=False)
    assert (4, "amount", "amount_matches_quantity_times_price") not in failures(off, rows)


def test_bare_numbers_are_serial_dates_only_where_the_source_says_so():
    rows = [{"source_record_id": "1", "birth_date": "32874"}]  # 1990-01-01 as an Excel serial
    assert failures(contacts(), rows) == [(2, "birth_date", "parseable_date")]
    assert failures(contacts(excel_serials=True), rows) == []
    assert contacts(format="xlsx").serial_dates and not contacts().serial_dates


@pytest.mark.parametrize(
    ("rules", "message"),
    [
        ({"shoe_size": {"format": "email"}}, "'shoe_size' is not a column"),
        ({"email": {"format": "emial"}}, "email"),
        ({"birth_date": {"max": "tomorrow"}}, "not a date bound"),
        ({"joined": {"unless": {"member_status": ["invited"]}}}, "not a column"),
        ({"email": {"maximum_length": 3}}, "maximum_length"),
    ],
)
def test_bad_rules_are_refused_naming_the_key(rules, message):
    with pytest.raises(ValidationError, match=message):
        contacts(rules=rules)
