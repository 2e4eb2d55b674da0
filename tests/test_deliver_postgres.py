import datetime as dt

import psycopg
import pytest
import yaml
from pg_server import running_postgres
from privacy_fixtures import MARTS, build_warehouse, make_layout, write_manifest

from assets.deliver.config import load_delivery_config
from assets.deliver.run import deliver_target
from assets.deliver.targets.postgres import DELIVERIES
from assets.layout import REPO_ROOT

pytestmark = pytest.mark.services
TABLES = ["dim_customer", "mart_customer_profile", "fct_orders"]


@pytest.fixture(scope="module")
def pg_dsn():
    with running_postgres() as dsn:
        yield dsn


@pytest.fixture
def pg_setup(tmp_path, monkeypatch, pg_dsn):
    monkeypatch.setenv("BI_DSN", pg_dsn)
    layout = make_layout(tmp_path / "data")
    build_warehouse(layout.warehouse)
    data = yaml.safe_load((REPO_ROOT / "config" / "delivery.yaml").read_text())
    data["dbt_manifest"] = str(write_manifest(tmp_path / "manifest.json"))
    schema = f"bi_{tmp_path.name[-12:].lower().replace('-', '_')}"
    data["targets"] = [
        {"name": "bi", "kind": "postgres", "dsn_env": "BI_DSN", "schema": schema, "policy": "analyst",
         "tables": TABLES, "lock_timeout_seconds": 1}
    ]  # fmt: skip
    path = tmp_path / "delivery.yaml"
    path.write_text(yaml.safe_dump(data))
    return layout, load_delivery_config(path), schema


def _staging_tables(conn, schema: str) -> int:
    """Staging tables left behind by a delivery (there must be none, whatever happened)."""
    return conn.execute(
        "select count(*) from information_schema.tables where table_schema = %s and table_name like '\\_stg\\_%%'",
        [schema],
    ).fetchone()[0]


def test_postgres_delivery_types_masking_manifest(pg_setup, pg_dsn):
    layout, config, schema = pg_setup
    deliver_target(config, "bi", layout, run_id="run-1", run_date="2026-03-01")
    with psycopg.connect(pg_dsn) as conn:
        rows = conn.execute(
            f"select customer_id, email, phone_mobile, full_name from {schema}.dim_customer order by 1"
        ).fetchall()
        assert rows == [
            ("C-0001", "z***@163.com", "138****5678", "张*"),
            ("C-0002", "l***@qq.com", "139****4321", "李*"),
        ]
        order = conn.execute(
            f"select amount, order_date from {schema}.fct_orders where order_id = 'O-1'"
        ).fetchone()
        assert order == (199.0, dt.datetime(2026, 1, 3, 10, 0, tzinfo=dt.UTC))
        interests = conn.execute(
            f"select interests from {schema}.mart_customer_profile order by customer_id"
        ).fetchall()
        assert interests == [(["tea", "golf"],), (["travel"],)]  # lists land as jsonb
        types = dict(conn.execute(
            "select column_name, data_type from information_schema.columns where table_schema = %s and table_name = 'fct_orders'",
            [schema],
        ).fetchall())  # fmt: skip
        assert types == {"order_id": "text", "customer_id": "text", "amount": "double precision",
                         "order_date": "timestamp with time zone"}  # fmt: skip
        manifest = conn.execute(f"select manifest from {schema}.{DELIVERIES}").fetchone()[0]
        assert {t["name"]: t["rows"] for t in manifest["tables"]} == {
            "dim_customer": 2,
            "mart_customer_profile": 2,
            "fct_orders": 3,
        }
        assert _staging_tables(conn, schema) == 0


def test_redelivery_swaps_atomically_and_failure_keeps_old_table(pg_setup, pg_dsn):
    layout, config, schema = pg_setup
    deliver_target(config, "bi", layout, run_id="run-1", run_date="2026-03-01")
    grown = dict(MARTS)
    grown["fct_orders"] = MARTS["fct_orders"].iloc[:2]
    build_warehouse(layout.warehouse, grown)
    deliver_target(config, "bi", layout, run_id="run-2", run_date="2026-03-02")
    with psycopg.connect(pg_dsn) as conn:
        assert conn.execute(f"select count(*) from {schema}.fct_orders").fetchone()[0] == 2

    # A BI tool holds a read lock in an open transaction: the swap times out, rolls back, old table intact.
    build_warehouse(layout.warehouse, MARTS)
    with psycopg.connect(pg_dsn) as reader:
        reader.execute(f"select count(*) from {schema}.fct_orders").fetchone()
        with pytest.raises(psycopg.errors.LockNotAvailable):
            deliver_target(config, "bi", layout, run_id="run-3", run_date="2026-03-03")
        assert reader.execute(f"select count(*) from {schema}.fct_orders").fetchone()[0] == 2
        reader.rollback()
    with psycopg.connect(pg_dsn) as conn:
        assert conn.execute(f"select count(*) from {schema}.fct_orders").fetchone()[0] == 2
        assert _staging_tables(conn, schema) == 0


def test_missing_dsn_is_a_clear_error(pg_setup, monkeypatch):
    layout, config, _ = pg_setup
    monkeypatch.delenv("BI_DSN")
    with pytest.raises(RuntimeError, match="BI_DSN is not set; fix: export BI_DSN="):
        deliver_target(config, "bi", layout, run_id="run-1")
