import json
import os
import threading
import time

import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from privacy_fixtures import MARTS, build_warehouse, make_layout, write_manifest

import assets.deliver.run as deliver_run
from assets.deliver.aggregates import Aggregate, AggregateSpecError
from assets.deliver.config import load_delivery_config
from assets.deliver.run import deliver_target
from assets.deliver.staging import UntaggedPiiError
from assets.ingest.landing import sha256_file
from assets.layout import REPO_ROOT
from assets.privacy.audit import read_audit

TABLES = ["dim_customer", "mart_customer_profile", "fct_orders"]


@pytest.fixture
def setup(tmp_path, monkeypatch):
    monkeypatch.setenv("C360_HMAC_KEY", "test-hmac-key")
    monkeypatch.delenv("C360_ENCRYPTION_KEY", raising=False)
    layout = make_layout(tmp_path / "data")
    build_warehouse(layout.warehouse)
    data = yaml.safe_load((REPO_ROOT / "config" / "delivery.yaml").read_text())
    data["dbt_manifest"] = str(write_manifest(tmp_path / "target" / "manifest.json"))
    data["targets"] = [
        {
            "name": "analyst_parquet",
            "kind": "parquet",
            "path": "exports/analyst",
            "policy": "analyst",
            "tables": TABLES,
        },
        {
            "name": "pseudo",
            "kind": "parquet",
            "path": "exports/pseudo",
            "policy": "pseudonymised",
            "tables": TABLES,
        },
        {
            "name": "crm_csv",
            "kind": "parquet",
            "path": "exports/crm",
            "policy": "full",
            "format": "csv",
            "tables": TABLES,
        },
        {
            "name": "crm_xlsx",
            "kind": "parquet",
            "path": "exports/xlsx",
            "policy": "full",
            "format": "xlsx",
            "tables": TABLES,
        },
    ]
    path = tmp_path / "delivery.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return layout, load_delivery_config(path)


def test_analyst_delivery_masks_and_writes_manifest(setup):
    layout, config = setup
    result = deliver_target(config, "analyst_parquet", layout, run_id="run-1", run_date="2026-03-01")
    folder = layout.root / "exports" / "analyst" / "run_date=2026-03-01"
    dim = pd.read_parquet(folder / "dim_customer.parquet")
    assert dim["email"].tolist() == ["z***@163.com", "l***@qq.com"]
    assert dim["phone_mobile"].tolist() == ["138****5678", "139****4321"]
    assert dim["full_name"].tolist() == ["张*", "李*"]
    assert "birth_date" not in dim.columns and "comment" not in dim.columns  # dropped
    assert dim["customer_id"].tolist() == ["C-0001", "C-0002"]
    profile = pd.read_parquet(folder / "mart_customer_profile.parquet")
    assert list(profile["interests"][0]) == ["tea", "golf"]  # non-PII types survive

    manifest = json.loads((folder / "_manifest.json").read_text())
    assert manifest["run_id"] == "run-1" and manifest["policy"] == "analyst"
    entries = {t["name"]: t for t in manifest["tables"]}
    assert {n: e["rows"] for n, e in entries.items()} == {
        "dim_customer": 2,
        "mart_customer_profile": 2,
        "fct_orders": 3,
    }
    assert entries["dim_customer"]["sha256"] == sha256_file(folder / "dim_customer.parquet")
    assert entries["dim_customer"]["masking"]["email"] == "masked"
    assert {"name": "amount", "type": "double"} in entries["fct_orders"]["columns"]
    assert result.rows["fct_orders"] == 3
    assert not list(folder.glob(".*")) and not list((layout.root / "tmp").iterdir())  # no temp files left

    audit = read_audit(layout)
    assert audit["event"].tolist() == ["delivery"] and audit["rows"].tolist() == [7]
    assert "163.com" not in audit.to_json()


def test_the_staged_files_are_moved_into_the_delivery_not_copied(setup, monkeypatch):
    layout, config = setup
    staged: dict[str, int] = {}
    real = deliver_run.stage_table

    def keep_inode(*args, **kwargs):
        table = real(*args, **kwargs)
        staged[table.path.name] = os.stat(table.path).st_ino
        return table

    monkeypatch.setattr(deliver_run, "stage_table", keep_inode)
    deliver_target(config, "analyst_parquet", layout, run_id="run-1", run_date="2026-03-01")
    folder = layout.root / "exports" / "analyst" / "run_date=2026-03-01"
    assert staged and {name: os.stat(folder / name).st_ino for name in staged} == staged


def test_duckdb_writes_its_marts_while_the_masked_ones_are_staged_and_the_manifest_keeps_the_config_order(
    setup, monkeypatch
):
    layout, config = setup
    both = threading.Barrier(2, timeout=10)  # the first two marts meet here only if they are staged at once
    threads: dict[str, str] = {}
    real = deliver_run.stage_table

    def staged_at_once(name, *args):
        threads[name] = threading.current_thread().name
        if len(threads) <= 2:
            both.wait()
        return real(name, *args)

    monkeypatch.setattr(deliver_run, "stage_table", staged_at_once)
    deliver_target(config, "analyst_parquet", layout, run_id="run-1", run_date="2026-03-01")
    # fct_orders, delivered untouched, is written by DuckDB; the two masked marts go through Arrow on the other
    assert threads["dim_customer"] == threads["mart_customer_profile"] != threads["fct_orders"]
    folder = layout.root / "exports" / "analyst" / "run_date=2026-03-01"
    manifest = json.loads((folder / "_manifest.json").read_text())
    assert [t["name"] for t in manifest["tables"]] == TABLES
    assert pd.read_parquet(folder / "fct_orders.parquet")["order_id"].tolist() == ["O-1", "O-2", "O-3"]


def test_a_mart_failing_while_another_is_staged_publishes_nothing_and_leaves_no_file(setup, monkeypatch):
    layout, config = setup
    deliver_target(config, "analyst_parquet", layout, run_id="run-1", run_date="2026-03-01")
    folder = layout.root / "exports" / "analyst" / "run_date=2026-03-01"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    orders, failed = threading.Event(), threading.Event()
    started: list[str] = []
    real = deliver_run.stage_table

    def orders_after_the_failure(name, *args):
        started.append(name)
        if name == "fct_orders":  # still being written when dim_customer fails
            orders.set()
            failed.wait(10)
            time.sleep(0.3)
        elif name == "dim_customer":
            orders.wait(10)
        try:
            return real(name, *args)
        except AggregateSpecError:
            failed.set()
            raise

    monkeypatch.setattr(deliver_run, "stage_table", orders_after_the_failure)
    wrong = {"dim_customer": Aggregate("people", ("segment",))}  # no column 'people'
    with pytest.raises(AggregateSpecError, match=r"dim_customer: meta.aggregate declares columns"):
        deliver_target(config, "analyst_parquet", layout, "run-2", "2026-03-01", aggregates=wrong)
    for thread in threading.enumerate():  # a mart still being staged after the error would write after it
        if thread.name.startswith("deliver"):
            thread.join()
    assert sorted(started) == ["dim_customer", "fct_orders"]  # the profile, after dim_customer, never started
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert not list((layout.root / "tmp").iterdir())


def test_pseudonymised_hashes_join_across_tables(setup):
    layout, config = setup
    deliver_target(config, "pseudo", layout, run_id="run-2", run_date="2026-03-01")
    folder = layout.root / "exports" / "pseudo" / "run_date=2026-03-01"
    dim = pd.read_parquet(folder / "dim_customer.parquet")
    profile = pd.read_parquet(folder / "mart_customer_profile.parquet")
    assert dim["full_name"].tolist() == profile["full_name"].tolist()
    assert all(len(v) == 64 for v in dim["email"])
    assert pq.read_schema(folder / "dim_customer.parquet").field("email").type == "string"


def test_spreadsheet_exports_neutralise_formulas(setup):
    layout, config = setup
    deliver_target(config, "crm_csv", layout, run_id="run-3", run_date="2026-03-01")
    deliver_target(config, "crm_xlsx", layout, run_id="run-3", run_date="2026-03-01")
    csv = pd.read_csv(layout.root / "exports" / "crm" / "run_date=2026-03-01" / "dim_customer.csv")
    xlsx = pd.read_excel(layout.root / "exports" / "xlsx" / "run_date=2026-03-01" / "dim_customer.xlsx")
    for frame in (csv, xlsx):
        assert frame["comment"].tolist() == ['\'=HYPERLINK("http://evil")', "'@SUM(A1)"]
        assert frame["email"].tolist() == ["zhang.wei@163.com", "li.na@qq.com"]
    assert read_audit(layout)["event"].tolist() == ["export", "export"]
    # lists and time zones survive as text / naive UTC, which spreadsheets understand
    profile = pd.read_csv(
        layout.root / "exports" / "crm" / "run_date=2026-03-01" / "mart_customer_profile.csv"
    )
    assert profile["interests"].tolist() == ['["tea", "golf"]', '["travel"]']
    orders = pd.read_excel(layout.root / "exports" / "xlsx" / "run_date=2026-03-01" / "fct_orders.xlsx")
    assert orders["order_date"][0] == pd.Timestamp("2026-01-03 10:00")


def test_failed_delivery_leaves_previous_intact(setup):
    layout, config = setup
    deliver_target(config, "analyst_parquet", layout, run_id="run-1", run_date="2026-03-01")
    folder = layout.root / "exports" / "analyst" / "run_date=2026-03-01"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    # next night a mart grows a column with e-mail addresses nobody tagged: nothing may leave
    changed = dict(MARTS)
    changed["fct_orders"] = MARTS["fct_orders"].assign(buyer_contact=["a@qq.com", "b@qq.com", "c@163.com"])
    changed["dim_customer"] = MARTS["dim_customer"].iloc[:1]
    build_warehouse(layout.warehouse, changed)
    with pytest.raises(UntaggedPiiError, match=r"fct_orders.buyer_contact looks like email \(by content\)"):
        deliver_target(config, "analyst_parquet", layout, run_id="run-2", run_date="2026-03-01")
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    # a missing mart fails the same way, before anything is published
    build_warehouse(layout.warehouse, {"dim_customer": MARTS["dim_customer"]})
    with pytest.raises(
        LookupError, match=r"tables \['mart_customer_profile', 'fct_orders'\] not in the warehouse"
    ):
        deliver_target(config, "analyst_parquet", layout, run_id="run-3", run_date="2026-03-01")
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
    assert read_audit(layout)["event"].tolist() == ["delivery"]


def test_model_missing_from_manifest_refused(setup, tmp_path):
    layout, config = setup
    write_manifest(config.manifest_path(), {"dim_customer": {"email": "email"}})
    with pytest.raises(LookupError, match=r"no model named.*dbt parse"):
        deliver_target(config, "analyst_parquet", layout, run_id="r")


KILL_WHILE_PUBLISHING = """
import os, signal, sys
import assets.deliver.run as deliver_run
from assets.deliver.aggregates import Aggregate, AggregateSpecError
from assets.deliver.config import load_delivery_config
from assets.deliver.run import deliver_target
from assets.layout import DataLayout
from pathlib import Path

class Killed:
    def publish(self, staged, manifest):
        os.kill(os.getpid(), signal.SIGKILL)  # everything is staged: the worst moment to die

root = Path(sys.argv[1])
layout = DataLayout(root=root, landing=str(root / "landing"), config_dir=root)
deliver_target(load_delivery_config(Path(sys.argv[2])), "analyst_parquet", layout, "run-1", publisher=Killed())
"""


def test_killed_delivery_leaves_no_clear_pii_and_the_next_run_sweeps_it(setup, tmp_path):
    import subprocess
    import sys

    from assets.temp_area import sweep_temp

    layout, _ = setup
    done = subprocess.run(
        [sys.executable, "-c", KILL_WHILE_PUBLISHING, str(layout.root), str(tmp_path / "delivery.yaml")],
        cwd=REPO_ROOT,
        env={**__import__("os").environ, "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
    )
    assert done.returncode == -9, done.stderr.decode()[-2000:]
    left = [p for p in (layout.root / "tmp").rglob("*") if p.is_file()]
    assert left, "the killed delivery staged its files"
    for path in left:
        data = path.read_bytes()
        for clear in (b"zhang.wei@163.com", "张伟".encode(), b"8613812345678"):
            assert clear not in data, f"{clear!r} in {path}"
    assert sweep_temp(layout.root) and not any((layout.root / "tmp").iterdir())
