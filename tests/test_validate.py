"""Validation: every failure of a row collected, one quarantine row each, rows in = valid + quarantined."""

from __future__ import annotations

import pandas as pd

from assets.ingest.config import SourceConfig
from assets.validate import validate_source

CFG = SourceConfig(
    name="shop", entity="order", glob="orders/*", primary_key=["order_id"], date_formats=["%d.%m.%Y"],
    columns={"id": "order_id", "date": "order_date", "amount": "amount", "qty": "quantity"},
)  # fmt: skip


def frame(rows: list[tuple]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["order_id", "order_date", "amount", "quantity"], dtype="string")
    df["_file"], df["_line"], df["_run_date"] = "orders/a.csv", range(2, 2 + len(df)), "2026-03-01"
    df["_extra"] = "{}"
    return df


def test_all_failures_of_a_row_are_collected_and_the_row_quarantined_whole():
    res = validate_source(
        CFG,
        frame(
            [
                ("A1", "01.02.2026", "10.5", "1"),
                ("", "31.02.2026", "ten", "x"),
                ("A3", "2026-02-01", "1,234.50", ""),
            ]
        ),
    )
    assert res.counts["rows_in"] == res.counts["rows_valid"] + res.counts["rows_quarantined"] == 3
    assert res.valid["order_id"].tolist() == ["A1", "A3"]
    assert res.quarantine[["line", "column", "check", "raw_value"]].values.tolist() == [
        [3, "amount", "numeric", "ten"],
        [3, "order_date", "parseable_date", "31.02.2026"],
        [3, "order_id", "not_empty", ""],
        [3, "quantity", "numeric", "x"],
    ]
    assert set(res.quarantine["reason"]) == {
        "not a number",
        "not a date in the source's date_formats, ISO 8601 or an Excel serial",
        "required value is empty",
    }


def test_duplicate_primary_keys_are_quarantined():
    res = validate_source(
        CFG,
        frame(
            [("A1", "01.02.2026", "1", "1"), ("A1", "02.02.2026", "2", "1"), ("A2", "01.02.2026", "3", "1")]
        ),
    )
    assert res.valid["order_id"].tolist() == ["A2"]
    assert res.quarantine[["line", "column", "check"]].values.tolist() == [
        [2, "order_id", "primary_key_unique"],
        [3, "order_id", "primary_key_unique"],
    ]


def test_nps_and_csat_ranges():
    cfg = SourceConfig(name="s", entity="survey_response", glob="s/*", columns={"r": "response_id"})
    df = pd.DataFrame(
        {"response_id": ["R1", "R2", "R3"], "submitted_at": ["2026-01-01"] * 3, "nps_score": ["10", "11", ""],
         "csat_score": ["1", "5", "0"]}, dtype="string",
    )  # fmt: skip
    df["_file"], df["_line"], df["_run_date"], df["_extra"] = "s.csv", [2, 3, 4], "2026-03-01", "{}"
    res = validate_source(cfg, df)
    assert res.valid["response_id"].tolist() == ["R1"]
    assert res.quarantine[["line", "check"]].values.tolist() == [[3, "between_0_10"], [4, "between_1_5"]]
