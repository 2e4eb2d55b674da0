"""mart_customer_kpis_monthly counts the active and churned customers of each month from the spans between a
customer's order days (a running sum of +1/-1 per month, not a join of every month with every earlier order day):
the counts equal, at every month end, those of each customer's last order before it. Orders spread a few days apart around short windows put many last orders exactly
on, one day inside and one day outside each window, on month ends and after the as-of date."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml
from test_marts import PROJECT_DIR, dbt

pytestmark = pytest.mark.slow
AS_OF = pd.Timestamp("2026-06-17")  # mid-month: the as-of month ends at the as-of date
WINDOW, CHURN = 30, 45


def random_orders(seed: int = 7, customers: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(customers):
        day = pd.Timestamp("2026-01-01") + pd.Timedelta(days=int(rng.integers(0, 60)))
        for n in range(int(rng.integers(1, 6))):
            # gaps at and around both windows, and short ones
            day += pd.Timedelta(
                days=int(rng.choice([1, 5, WINDOW - 1, WINDOW, WINDOW + 1, CHURN, CHURN + 1, 60]))
            )
            rows.append((f"C{c}", "orders", f"O{c}-{n}", day, 10.0, bool(rng.random() > 0.1)))
    return pd.DataFrame(
        rows, columns=["customer_id", "source", "order_id", "order_date", "amount_reporting", "is_revenue"]
    )


def expected(orders: pd.DataFrame, months: pd.Series) -> pd.DataFrame:
    """Each month's customers whose last revenue order at the month end is at most WINDOW / more than CHURN days
    before it."""
    lines = orders[orders.is_revenue & (orders.order_date <= AS_OF)]
    rows = []
    for month in months:
        end = min(month + pd.offsets.MonthEnd(0), AS_OF)
        days = (end - lines[lines.order_date <= end].groupby("customer_id").order_date.max()).dt.days
        rows.append((month, int((days <= WINDOW).sum()), int((days > CHURN).sum())))
    return pd.DataFrame(rows, columns=["month", "active_customers", "churned_customers"])


def test_active_and_churned_customers_of_each_month_follow_each_customers_last_order(tmp_path: Path):
    data = tmp_path / "data"
    (data / "warehouse").mkdir(parents=True)
    orders = random_orders()
    with duckdb.connect(str(data / "warehouse" / "customer360.duckdb")) as con:
        con.execute("create schema marts; create schema intermediate")
        con.execute("create table marts.fct_orders as select * exclude (order_date), "
                    "cast(order_date as date) as order_date from orders")  # fmt: skip
        con.execute(
            "create table intermediate.int_as_of_date as select ?::date as as_of_date", [AS_OF.date()]
        )
    lifecycle = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]["lifecycle"]
    vars_ = {"active_window_days": WINDOW, "lifecycle": {**lifecycle, "churn_after_days": CHURN}}
    result = dbt(["run", "--select", "mart_customer_kpis_monthly"], data, tmp_path, vars_)
    assert result.returncode == 0, result.stdout[-4000:]
    with duckdb.connect(str(data / "warehouse" / "customer360.duckdb"), read_only=True) as con:
        got = con.execute(
            "select month, active_customers, churned_customers from marts.mart_customer_kpis_monthly order by month"
        ).df()
    got["month"] = pd.to_datetime(got["month"])
    want = expected(orders, got["month"])
    assert want.active_customers.sum() > 0 and want.churned_customers.sum() > 0
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
