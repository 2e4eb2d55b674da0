"""Roles on a PostgreSQL delivery, checked by logging in as each one on a real server."""

from __future__ import annotations

import pandas as pd
import psycopg
import pytest
import yaml
from pg_server import running_postgres
from privacy_fixtures import build_warehouse, make_layout, write_manifest

from assets.deliver.config import DeliveryConfigError, load_delivery_config
from assets.deliver.run import deliver_target
from assets.layout import REPO_ROOT

pytestmark = pytest.mark.services
MARTS = {
    "dim_customer": pd.DataFrame(
        {
            "customer_id": ["C1", "C2", "C3"],
            "full_name": ["张伟", "陳大文", "李娜"],
            "email": ["zhang.wei@163.com", "tai.man@hk.net", "li.na@qq.com"],
            "country": ["CN", "HK", "CN"],
        }
    ),
    "fct_orders": pd.DataFrame({"order_id": ["O1", "O2", "O3"], "customer_id": ["C1", "C2", "C3"]}),
    "mart_customer_kpis": pd.DataFrame({"cohort": ["2026-01"], "customers": [3]}),
}
TAGS = {"dim_customer": {"full_name": "name", "email": "email"}, "fct_orders": {}, "mart_customer_kpis": {}}


@pytest.fixture(scope="module")
def pg_dsn():
    with running_postgres() as dsn:
        yield dsn


def as_user(dsn: str, user: str) -> psycopg.Connection:
    return psycopg.connect(dsn.replace("//c360@", f"//{user}@"), autocommit=True)


@pytest.fixture(scope="module")
def delivered(tmp_path_factory, pg_dsn):
    tmp = tmp_path_factory.mktemp("roles")
    layout = make_layout(tmp / "data")
    build_warehouse(layout.warehouse, MARTS)
    data = yaml.safe_load((REPO_ROOT / "config" / "delivery.yaml").read_text())
    data["dbt_manifest"] = str(write_manifest(tmp / "manifest.json", TAGS))
    tables = list(MARTS)
    data["targets"] = [
        {"name": "bi", "kind": "postgres", "dsn_env": "ROLES_DSN", "schema": "bi", "policy": "analyst",
         "tables": tables, "roles": [{"name": "c360_analyst"}]},
        {"name": "clear", "kind": "postgres", "dsn_env": "ROLES_DSN", "schema": "clear", "policy": "full",
         "tables": tables,
         "roles": [{"name": "c360_steward"}, {"name": "c360_regional_cn", "customers": {"country": ["CN"]}}]},
    ]  # fmt: skip
    path = tmp / "delivery.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    config = load_delivery_config(path)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ROLES_DSN", pg_dsn)
        for target in ("bi", "clear"):
            deliver_target(config, target, layout, run_id="run-1", run_date="2026-03-01")
        with psycopg.connect(pg_dsn, autocommit=True) as admin:  # the DBA's logins, and a grant of their own
            for user, role in (
                ("ana", "c360_analyst"),
                ("stew", "c360_steward"),
                ("reg", "c360_regional_cn"),
            ):
                admin.execute(f"CREATE ROLE {user} LOGIN IN ROLE {role}")
            admin.execute("CREATE ROLE bob LOGIN")
            admin.execute("GRANT USAGE ON SCHEMA clear TO bob")
            admin.execute("GRANT SELECT ON clear.fct_orders TO bob")
        for target in ("bi", "clear"):  # the next night: grants and policies re-applied, bob's kept
            deliver_target(config, target, layout, run_id="run-2", run_date="2026-03-02")
    return pg_dsn


def _rows(conn: psycopg.Connection, query: str) -> list[tuple]:
    return conn.execute(query).fetchall()


def test_analyst_reads_masked_tables_only(delivered):
    with as_user(delivered, "ana") as conn:
        assert _rows(conn, "select email from bi.dim_customer order by 1") == [
            ("l***@qq.com",),
            ("t***@hk.net",),
            ("z***@163.com",),
        ]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select email from clear.dim_customer")


def test_steward_reads_clear_data(delivered):
    with as_user(delivered, "stew") as conn:
        assert _rows(conn, "select email from clear.dim_customer order by 1")[0] == ("li.na@qq.com",)
        assert _rows(conn, "select count(*) from clear.fct_orders") == [(3,)]
        assert _rows(conn, "select customers from clear.mart_customer_kpis") == [(3,)]


def test_regional_role_reads_its_customers_rows_only(delivered):
    with as_user(delivered, "reg") as conn:
        assert _rows(conn, "select customer_id from clear.dim_customer order by 1") == [("C1",), ("C3",)]
        assert _rows(conn, "select order_id from clear.fct_orders order by 1") == [("O1",), ("O3",)]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # aggregates carry no customer to filter on
            conn.execute("select * from clear.mart_customer_kpis")
    with as_user(delivered, "reg") as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("select * from bi.dim_customer")


def test_a_dba_grant_survives_the_nightly_swap(delivered):
    with as_user(delivered, "bob") as conn:
        assert _rows(conn, "select count(*) from clear.fct_orders") == [(3,)]
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select * from clear.dim_customer")


def test_a_role_filter_is_data_not_sql(tmp_path):
    data = yaml.safe_load((REPO_ROOT / "config" / "delivery.yaml").read_text())
    data["targets"] = [
        {"name": "x", "kind": "postgres", "tables": ["dim_customer"],
         "roles": [{"name": "r", "customers": {"country = 'CN' OR true; --": ["CN"]}}]}
    ]  # fmt: skip
    path = tmp_path / "delivery.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(DeliveryConfigError, match="must be a column name"):
        load_delivery_config(path)
