"""dbt marts built on a tiny silver + linkage fixture, checked against values computed here in Python.

One `dbt build` per module (module-scoped fixture) into a tmp data dir; the warehouse is then read with
duckdb. Customers: 张伟 / Wei Zhang (two CRMs + shop + survey + service desk + events + enrichment),
Mary O'Brien (a name carrying quotes and Jinja braces), 李娜 (a prospect: no orders), and an anonymous
shop buyer linked by an identity hash.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from assets.entities import ENTITIES, LINEAGE_COLUMNS
from assets.layout import REPO_ROOT, DataLayout

PROJECT_DIR = REPO_ROOT / "dbt_project"
RUN_1, RUN_2 = "2026-05-30", "2026-05-31"
AS_OF = "2026-06-30"
HOSTILE_NAME = "Mary O'Brien {{ var('x') }} \"Jr\""
HOSTILE_COMMENT = "'; drop table marts.dim_customer; -- {% raw %}"
VARS = {
    "as_of_date": AS_OF,
    "source_priority": ["crm_global", "crm_cn"],
    "nps_min_sample": 3,
}


# --------------------------------------------------------------------------- fixture data
def _silver_frame(entity: str, rows: list[dict], run_date: str) -> pd.DataFrame:
    """Silver rows per CONTRACTS: canonical raw strings + typed columns + identity + lineage."""
    ent = ENTITIES[entity]
    out = []
    for i, row in enumerate(rows, start=1):
        rec: dict = {c: None for c in ent.column_names}
        rec.update({k: v for k, v in row.items() if k in ent.column_names})
        for col in ent.columns:
            raw = rec[col.name]
            if col.kind == "date":
                rec[f"{col.name}_date"] = pd.Timestamp(raw).date() if raw else None
            elif col.kind == "datetime":
                rec[f"{col.name}_ts"] = pd.Timestamp(raw) if raw else None
            elif col.kind == "number":
                rec[f"{col.name}_num"] = float(raw) if raw not in (None, "") else None
            elif col.kind == "integer":
                rec[f"{col.name}_int"] = int(raw) if raw not in (None, "") else None
            rec[col.name] = None if raw is None else str(raw)
        rec["email_norm"] = (row.get("email") or "").strip().lower() or None
        rec["phone_norm"] = row.get("phone_norm")
        rec["person_source_record_id"] = row.get("person") or row.get("source_record_id") or row.get("customer_ref")
        rec["source"] = row["source"]
        rec.update(
            {
                "_source": row["source"],
                "_file": f"{row['source']}/{entity}.csv",
                "_line": i + 1,
                "_loaded_at": pd.Timestamp(f"{run_date} 02:00:00"),
                "_file_sha256": "0" * 64,
                "_run_date": run_date,
                "_extra": "{}",
            }
        )
        out.append(rec)
    cols = list(out[0]) if out else [*ent.column_names, *LINEAGE_COLUMNS]
    return pd.DataFrame(out, columns=cols)


def _write(path: Path, frame: pd.DataFrame) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path, index=False)


CONTACTS_RUN_1 = [  # an older delivery of cn-001: must lose to RUN_2's row
    {"source": "crm_cn", "source_record_id": "cn-001", "full_name": "张伟", "city": "北京", "updated_at": "2026-01-01"},
]
CONTACTS_RUN_2 = [
    {"source": "crm_cn", "source_record_id": "cn-001", "full_name": "张伟", "given_name": "伟", "family_name": "张",
     "email": "Zhang.Wei@Example.cn", "phone_norm": "+8613812345678", "city": "上海", "province": "上海",
     "country": "CN", "segment": "B2C", "birth_date": "1985-04-12", "updated_at": "2026-03-01 09:00:00"},
    {"source": "crm_global", "source_record_id": "g-100", "full_name": "Wei Zhang", "given_name": "Wei",
     "family_name": "Zhang", "email": "wei.zhang@corp.com", "phone_norm": "+8613812345678", "city": "Shanghai",
     "country": "CN", "segment": "B2B", "company": "Acme Trading", "updated_at": "2026-05-01 10:00:00"},
    {"source": "crm_global", "source_record_id": "g-200", "full_name": HOSTILE_NAME, "email": "mary@example.com",
     "phone_norm": "+14155550100", "city": "Boston", "country": "US", "segment": "B2C",
     "updated_at": "2026-04-01 08:00:00"},
    {"source": "crm_cn", "source_record_id": "cn-002", "full_name": "李娜", "email": "li.na@example.cn",
     "phone_norm": "+8613900001111", "city": "杭州", "country": "CN", "segment": "B2C", "updated_at": "2024-01-01"},
]
# (source, order_id, line, person, date, category, amount, currency, payment, status)
ORDERS = [
    ("shop", "O1", 1, "S-9", "2026-01-15 10:00", "Electronics", "600", "CNY", "alipay", "completed"),
    ("shop", "O1", 2, "S-9", "2026-01-15 10:00", "Books", "400", "RMB", "alipay", "completed"),
    ("shop", "O2", 1, "S-9", "2026-03-10 12:00", "Electronics", "100", "USD", "wechat_pay", "completed"),
    ("shop", "O3", 1, "S-9", "2026-05-20 18:00", "Books", "300", "CNY", "alipay", "cancelled"),
    ("shop", "O4", 1, "S-77", "2026-05-02 09:30", "Garden", "50", "US$", "card", "completed"),
    ("shop", "O5", 1, "h:0123456789abcdef", "2025-02-01 11:00", "Books", "80", "", "cash", "completed"),
]
RATES = {"CNY": 1.0, "USD": 7.10}
# (source, response_id, person, submitted, nps, csat, feedback, comment, channel, category)
SURVEYS = [
    ("survey_tool", "R1", "SV-1", "2026-03-12 10:00", 10, 5, "praise", "很好", "online", "Electronics"),
    ("survey_tool", "R2", "SV-2", "2026-03-20 10:00", 3, 2, "complaint", HOSTILE_COMMENT, "online", "Garden"),
    ("survey_tool", "R3", "SV-1", "2026-05-25 10:00", 8, 4, "none", "", "online", "Books"),
    ("survey_tool", "R4", "SV-3", "2026-03-25 10:00", 9, 4, "suggestion", "更多颜色", "wechat", "Electronics"),
]
# (source, id, person, occurred, channel, type, status)
INTERACTIONS = [
    ("service_desk", "I1", "SD-2", "2026-03-21 09:00", "WeChat", "complaint", "open"),
    ("service_desk", "I2", "SD-1", "2026-04-01 09:00", "phone", "inquiry", "resolved"),
    ("service_desk", "I3", "SD-1", "2026-05-26 15:00", "email", "complaint", "resolved"),
]
CAMPAIGNS = [
    ("events", "EXPO-2026", "exhibition", "EV-1", "2026-04-10", "attended", "家电;smart home"),
    ("events", "WEB-7", "webinar", "EV-1", "2026-04-20", "registered", "cloud"),
    ("events", "WEB-7", "webinar", "EV-2", "2026-04-20", "attended", "cloud；gardening"),
]
XREF = {  # (source, source_record_id) -> customer_id
    ("crm_cn", "cn-001"): "C1", ("crm_global", "g-100"): "C1", ("shop", "S-9"): "C1",
    ("survey_tool", "SV-1"): "C1", ("service_desk", "SD-1"): "C1", ("events", "EV-1"): "C1",
    ("enrich_vendor", "e-1"): "C1",
    ("crm_global", "g-200"): "C2", ("shop", "S-77"): "C2", ("survey_tool", "SV-2"): "C2",
    ("service_desk", "SD-2"): "C2", ("events", "EV-2"): "C2",
    ("crm_cn", "cn-002"): "C3", ("survey_tool", "SV-3"): "C3",
    ("shop", "h:0123456789abcdef"): "C4",
}


def _person(source, sid, entity, full_name=None, emails=(), phones=(), city=None, loaded="2026-05-31 02:00", **kw):
    rec = {"source": source, "source_record_id": sid, "entity": entity, "full_name": full_name,
           "given_name": kw.get("given_name"), "family_name": kw.get("family_name"),
           "name_script": "hanzi" if full_name and not full_name.isascii() else "latin",
           "name_pinyin": kw.get("name_pinyin"), "emails": list(emails), "phones": list(phones),
           "birth_date": kw.get("birth_date"), "gender": None, "country": kw.get("country"), "province": None,
           "city": city, "address_norm": None, "postcode": None, "company": kw.get("company"), "title": None,
           "wechat_id": kw.get("wechat_id"), "loaded_at": pd.Timestamp(loaded)}
    return rec


def build_fixture(root: Path) -> None:
    lay = DataLayout(root=root, landing=str(root / "landing"), config_dir=root / "config")
    _write(lay.silver("contact", RUN_1), _silver_frame("contact", CONTACTS_RUN_1, RUN_1))
    _write(lay.silver("contact", RUN_2), _silver_frame("contact", CONTACTS_RUN_2, RUN_2))
    orders = [
        {"source": s, "order_id": o, "line_no": ln, "customer_ref": None if p.startswith("h:") else p, "person": p,
         "order_date": d, "product_category": cat, "amount": amt, "currency": cur, "payment_method": pay,
         "status": st, "quantity": "1"}
        for s, o, ln, p, d, cat, amt, cur, pay, st in ORDERS
    ]
    _write(lay.silver("order", RUN_1), _silver_frame("order", orders[:2], RUN_1))  # redelivered in RUN_2
    _write(lay.silver("order", RUN_2), _silver_frame("order", orders, RUN_2))
    surveys = [
        {"source": s, "response_id": r, "customer_ref": p, "submitted_at": t, "nps_score": n, "csat_score": c,
         "feedback_type": f, "comment": cm, "channel": ch, "product_category": cat}
        for s, r, p, t, n, c, f, cm, ch, cat in SURVEYS
    ]
    _write(lay.silver("survey_response", RUN_2), _silver_frame("survey_response", surveys, RUN_2))
    inter = [
        {"source": s, "interaction_id": i, "customer_ref": p, "occurred_at": t, "channel": ch,
         "interaction_type": ty, "status": st, "notes": "客户投诉: 配送慢" if ty == "complaint" else None}
        for s, i, p, t, ch, ty, st in INTERACTIONS
    ]
    _write(lay.silver("interaction", RUN_2), _silver_frame("interaction", inter, RUN_2))
    camps = [
        {"source": s, "campaign_id": c, "campaign_name": c, "campaign_type": ty, "customer_ref": p, "joined_at": j,
         "member_status": st, "interests": it}
        for s, c, ty, p, j, st, it in CAMPAIGNS
    ]
    _write(lay.silver("campaign_member", RUN_2), _silver_frame("campaign_member", camps, RUN_2))
    enrich = [{"source": "enrich_vendor", "source_record_id": "e-1", "income_band": "high", "industry": "Retail",
               "interests": "travel;家电", "updated_at": "2026-02-01"}]
    _write(lay.silver("enrichment", RUN_1), _silver_frame("enrichment", [], RUN_1))  # an empty run
    _write(lay.silver("enrichment", RUN_2), _silver_frame("enrichment", enrich, RUN_2))
    persons = [
        _person("crm_cn", "cn-001", "contact", "张伟", ["zhang.wei@example.cn"], ["+8613812345678"], "上海",
                given_name="伟", family_name="张", country="CN", birth_date="1985-04-12", name_pinyin="zhang wei"),
        _person("crm_global", "g-100", "contact", "Wei Zhang", ["wei.zhang@corp.com"], ["+8613812345678"],
                "Shanghai", given_name="Wei", family_name="Zhang", country="CN", company="Acme Trading"),
        _person("shop", "S-9", "order", "张伟", [], ["+8613812345678", "+862150001234"]),
        _person("survey_tool", "SV-1", "survey_response", None, ["zhang.wei@example.cn"]),
        _person("service_desk", "SD-1", "interaction", "张伟", [], ["+8613812345678"], wechat_id="zw_1985"),
        _person("events", "EV-1", "campaign_member", "Zhang Wei", ["wei.zhang@corp.com"]),
        _person("enrich_vendor", "e-1", "enrichment", "张伟", ["zw@163.com"], [], birth_date="1985-04-12"),
        _person("crm_global", "g-200", "contact", HOSTILE_NAME, ["mary@example.com"], ["+14155550100"], "Boston",
                country="US"),
        _person("shop", "S-77", "order", "Mary O'Brien", ["mary@example.com"]),
        _person("survey_tool", "SV-2", "survey_response", None, ["mary@example.com"]),
        _person("service_desk", "SD-2", "interaction", None, [], [], wechat_id="mary_ob"),
        _person("events", "EV-2", "campaign_member", "Mary O'Brien", ["mary@example.com"]),
        _person("crm_cn", "cn-002", "contact", "李娜", ["li.na@example.cn"], ["+8613900001111"], "杭州", country="CN"),
        _person("survey_tool", "SV-3", "survey_response", "李娜", ["li.na@example.cn"]),
        _person("shop", "h:0123456789abcdef", "order", "王芳", [], ["+8613700002222"]),
    ]
    _write(lay.silver("person", RUN_2), pd.DataFrame(persons))
    sizes = pd.Series(list(XREF.values())).value_counts()
    xref = pd.DataFrame(
        [{"source": s, "source_record_id": r, "customer_id": c, "cluster_size": int(sizes[c]),
          "match_probability": 1.0 if sizes[c] == 1 else 0.97, "linked_at": pd.Timestamp("2026-05-31 03:00")}
         for (s, r), c in XREF.items()]
    )
    _write(lay.linkage_dir / "customer_xref.parquet", xref)
    _write(lay.linkage_dir / "match_pairs.parquet", pd.DataFrame(
        [{"source_l": "crm_cn", "id_l": "cn-001", "source_r": "crm_global", "id_r": "g-100", "match_weight": 12.5,
          "match_probability": 0.97, "decision": "match"},
         {"source_l": "crm_cn", "id_l": "cn-002", "source_r": "crm_global", "id_r": "g-200", "match_weight": -8.0,
          "match_probability": 0.01, "decision": "non_match"}]))
    _write(lay.linkage_dir / "id_history.parquet", pd.DataFrame(
        [{"run_id": "r1", "customer_id": c, "event": "created", "related_ids": "[]", "at": pd.Timestamp("2026-05-31")}
         for c in sorted(set(XREF.values()))]))
    _write(lay.quarantine("crm_cn", RUN_2) / "a1b2.parquet", pd.DataFrame(
        [{"source": "crm_cn", "file": "crm_cn/export.csv", "line": 7, "column": "email", "check": "email_format",
          "raw_value": "not-an-email", "reason": "not an email address", "run_date": RUN_2},
         {"source": "crm_cn", "file": "crm_cn/export.csv", "line": 7, "column": "birth_date", "check": "date_parse",
          "raw_value": "1985-13-40", "reason": "not a date", "run_date": RUN_2}]))
    _write(lay.manifest, pd.DataFrame(
        [{"source": "crm_cn", "key": "crm_cn/export.csv", "size": 2048, "sha256": "a" * 64, "rows_read": 5,
          "rows_valid": 4, "rows_quarantined": 1, "status": "loaded", "error": None, "run_date": RUN_2,
          "loaded_at": pd.Timestamp("2026-05-31 02:00")}]))


# --------------------------------------------------------------------------- dbt run
def dbt(args: list[str], data_dir: Path, work: Path, vars_: dict | None = None) -> subprocess.CompletedProcess:
    exe = shutil.which("dbt", path=str(Path(sys.executable).parent)) or "dbt"
    cmd = [exe, *args, "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
           "--target-path", str(work / "target"), "--log-path", str(work / "logs")]
    if vars_ is not None:
        cmd += ["--vars", json.dumps(vars_)]
    env = {**os.environ, "C360_DATA_DIR": str(data_dir), "DO_NOT_TRACK": "1", "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    return subprocess.run(cmd, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> duckdb.DuckDBPyConnection:
    root = tmp_path_factory.mktemp("c360")
    data = root / "data"
    build_fixture(data)
    (data / "warehouse").mkdir(parents=True, exist_ok=True)
    result = dbt(["build"], data, root, VARS)
    assert result.returncode == 0, result.stdout[-6000:]
    con = duckdb.connect(str(data / "warehouse" / "customer360.duckdb"), read_only=True)
    yield con
    con.close()


def q(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def test_build_smoke(warehouse):
    assert q(warehouse, "select count(*) from marts.dim_customer") == [(4,)]
