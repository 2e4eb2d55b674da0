import json

import duckdb
import pytest
from privacy_fixtures import make_layout

from assets.privacy.audit import audit_path, read_audit, record_event


def test_events_are_appended_and_queryable(tmp_path, monkeypatch):
    monkeypatch.setenv("C360_ACTOR", "nightly-schedule")
    layout = make_layout(tmp_path)
    assert read_audit(layout).empty
    record_event(layout, "run", "nightly", run_id="r1", details={"status": "success"})
    record_event(
        layout, "delivery", "analyst_parquet", rows=42, run_id="r1", details={"tables": {"dim_customer": 42}}
    )
    frame = read_audit(layout)
    assert frame["event"].tolist() == ["run", "delivery"]
    assert frame["actor"].unique().tolist() == ["nightly-schedule"]
    assert frame.loc[1, "rows"] == 42
    assert json.loads(frame.loc[1, "details"]) == {"tables": {"dim_customer": 42}}
    # the log is a table for SQL too
    count = duckdb.sql(f"select count(*) from read_json_auto('{audit_path(layout)}')").fetchall()[0][0]
    assert count == 2


def test_secrets_never_written(tmp_path):
    layout = make_layout(tmp_path)
    record_event(
        layout,
        "delivery",
        "postgres_bi",
        details={
            "dsn": "postgresql://bi:s3cr3t@db:5432/x",
            "note": "postgresql://bi:hunter2@db/x",
            "aws_secret_access_key": "abc",
        },
    )
    text = audit_path(layout).read_text()
    assert "s3cr3t" not in text and "hunter2" not in text and "abc" not in text
    assert "bi:<redacted>@db" in text


def test_unknown_event_rejected(tmp_path):
    with pytest.raises(ValueError, match="fix: use one of"):
        record_event(make_layout(tmp_path), "login", "x")
