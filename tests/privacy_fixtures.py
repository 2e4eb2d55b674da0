"""Tiny realistic data for the delivery/privacy tests: a warehouse with marts, a dbt manifest with PII tags,
a layout with every Parquet layer, and a moto S3 server on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd
from pg_server import free_port

from assets.layout import DataLayout

# Two people: 张伟 (to be forgotten in the erasure tests) and 李娜 (must survive).
ZHANG = {"customer_id": "C-0001", "name": "张伟", "email": "Zhang.Wei@163.com", "phone": "+86 138 1234 5678"}
LI = {"customer_id": "C-0002", "name": "李娜", "email": "li.na@qq.com", "phone": "139-8765-4321"}

MARTS = {
    "dim_customer": pd.DataFrame(
        {
            "customer_id": ["C-0001", "C-0002"],
            "full_name": ["张伟", "李娜"],
            "email": ["zhang.wei@163.com", "li.na@qq.com"],
            "phone_mobile": ["+8613812345678", "+8613987654321"],
            "birth_date": pd.to_datetime(["1985-03-02", "1990-11-30"]).date,
            "city": ["上海", "北京"],
            "segment": ["B2C", "B2B"],
            "comment": ['=HYPERLINK("http://evil")', "@SUM(A1)"],
        }
    ),
    "mart_customer_profile": pd.DataFrame(
        {
            "customer_id": ["C-0001", "C-0002"],
            "full_name": ["张伟", "李娜"],
            "lifecycle_stage": ["loyal", "new"],
            "clv": [15234.5, 320.0],
            "interests": [["tea", "golf"], ["travel"]],
        }
    ),
    "fct_orders": pd.DataFrame(
        {
            "order_id": ["O-1", "O-2", "O-3"],
            "customer_id": ["C-0001", "C-0001", "C-0002"],
            "order_date": pd.to_datetime(
                ["2026-01-03 10:00", "2026-02-11 12:30", "2026-02-12 09:15"], utc=True
            ),
            "amount": [199.0, 58.5, 1200.0],
        }
    ),
}

COLUMN_TAGS = {
    "dim_customer": {
        "full_name": "name",
        "email": "email",
        "phone_mobile": "phone",
        "birth_date": "birth_date",
        "comment": "free_text",
    },
    "mart_customer_profile": {"full_name": "name"},
    "fct_orders": {},
}


def write_manifest(path: Path, tags: dict[str, dict[str, str]] = COLUMN_TAGS) -> Path:
    """A dbt manifest.json with the shape dbt writes (nodes → columns → meta), as `dbt parse` would."""
    nodes = {
        f"model.customer360.{model}": {
            "resource_type": "model",
            "name": model,
            "columns": {
                c: {"name": c, "meta": {"pii": t}, "config": {"meta": {"pii": t}}} for c, t in cols.items()
            },
        }
        for model, cols in tags.items()
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"metadata": {"dbt_version": "1.11.0"}, "nodes": nodes}))
    return path


def build_warehouse(path: Path, marts: dict[str, pd.DataFrame] = MARTS, snapshot: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)  # a fresh build, as `dbt build --full-refresh`
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema marts")  # dbt_project: marts in `marts`, snapshots in `snapshots`
        for name, frame in marts.items():
            con.register("_frame", frame)
            con.execute(f"create table marts.{name} as select * from _frame")
            con.unregister("_frame")
        if snapshot and "dim_customer" in marts:
            con.execute("create schema snapshots")
            con.execute(
                "create table snapshots.dim_customer_snapshot as "
                "select *, now() as dbt_valid_from, null::timestamp as dbt_valid_to from marts.dim_customer"
            )
    finally:
        con.close()
    return path


def make_layout(root: Path) -> DataLayout:
    return DataLayout(root=root, landing=str(root / "landing"), config_dir=root / "config")


@contextmanager
def moto_s3(monkeypatch) -> Iterator[str]:
    """moto's S3 in server mode on 127.0.0.1 (a real HTTP endpoint boto3 talks to), env pointed at it."""
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    for name, value in {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    try:
        yield endpoint
    finally:
        server.stop()
