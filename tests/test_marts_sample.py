"""Marts on the sample generator's data, checked against its ground truth.

The real Python steps land, validate and standardise the sample files into silver; the customer_xref is
the generator's ground truth (perfect linkage), so every figure below is known exactly in advance.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest
from test_marts import PROJECT_DIR, dbt

from assets.report.build import make_report
from assets.sample import generate_sample
from assets.settings import Settings
from orchestration.definitions import build_definitions
from orchestration.jobs import NIGHTLY_JOB

pytestmark = pytest.mark.slow
RUN_DATE = "2026-11-27"


def write_truth_linkage(data: Path) -> pd.DataFrame:
    """linkage/*.parquet from the ground truth: one customer per true person."""
    truth = pd.read_csv(data / "truth" / "ground_truth.csv", dtype=str)
    sizes = truth["true_customer_id"].map(truth["true_customer_id"].value_counts()).astype("int64")
    xref = pd.DataFrame(
        {
            "source": truth["source"],
            "source_record_id": truth["source_record_id"],
            "customer_id": truth["true_customer_id"],
            "cluster_size": sizes,
            "match_probability": 1.0,
            "linked_at": pd.Timestamp(RUN_DATE),
        }
    )
    out = data / "linkage"
    out.mkdir(parents=True, exist_ok=True)
    xref.to_parquet(out / "customer_xref.parquet", index=False)
    pairs = {c: pd.Series(dtype="string") for c in ("source_l", "id_l", "source_r", "id_r", "decision")}
    pd.DataFrame(
        {**pairs, "match_weight": pd.Series(dtype="float64"), "match_probability": pd.Series(dtype="float64")}
    ).to_parquet(out / "match_pairs.parquet", index=False)
    pd.DataFrame(
        {
            "run_id": ["r1"],
            "customer_id": [xref["customer_id"].iloc[0]],
            "event": ["created"],
            "related_ids": ["[]"],
            "at": [pd.Timestamp(RUN_DATE)],
        }
    ).to_parquet(out / "id_history.parquet", index=False)
    return xref


def linked_sample(data: Path, customers: int = 200) -> pd.DataFrame:
    """The generator's sample through the real Python steps into silver (one night, RUN_DATE), linked by its
    ground truth (write_truth_linkage); returns the customer_xref."""
    generate_sample(data, customers=customers, seed=5)
    defs = build_definitions({"settings": Settings(data_dir=str(data))})
    job = defs.resolve_job_def(NIGHTLY_JOB)
    silver = dg.AssetSelection.key_prefixes(["silver"]).upstream()
    with dg.DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(
            instance=instance,
            partition_key=RUN_DATE,
            asset_selection=list(silver.resolve(defs.resolve_asset_graph())),
            raise_on_error=False,  # only the silver tables matter here, not other stages' checks
        )
    written = {e.asset_key for e in result.get_asset_materialization_events()}
    assert {
        dg.AssetKey(["silver", name]) for name in ("contact", "order", "survey_response", "person")
    } <= written
    (data / "warehouse").mkdir(exist_ok=True)
    return write_truth_linkage(data)


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    root = tmp_path_factory.mktemp("sample")
    data = root / "data"
    xref = linked_sample(data, customers=200)
    built = dbt(["build"], data, root)
    assert built.returncode == 0, built.stdout[-6000:]
    return data, xref


def read(data: Path, sql: str) -> pd.DataFrame:
    with duckdb.connect(str(data / "warehouse" / "customer360.duckdb"), read_only=True) as con:
        return con.execute(sql).df()


def test_every_customer_and_order_line_accounted_for(sample):
    data, xref = sample
    dim = read(data, "select customer_id from marts.dim_customer")
    assert set(dim["customer_id"]) == set(xref["customer_id"])
    truth = pd.read_csv(data / "truth" / "orders.csv")
    truth = truth[truth["valid"]]
    facts = read(data, "select order_id, line_no, customer_id, amount, currency_code from marts.fct_orders")
    merged = truth.merge(facts, on=["order_id", "line_no"], how="left", validate="one_to_one")
    assert merged["customer_id"].notna().all()
    assert (merged["customer_id"] == merged["true_customer_id"]).all()
    assert ((merged["amount_x"] - merged["amount_y"]).abs() < 0.005).all()
    assert (merged["currency_code"] == merged["currency"]).all()


def test_spend_per_customer_matches_truth(sample):
    data, _ = sample
    rates = pd.read_csv(PROJECT_DIR / "seeds" / "currency_rates.csv").set_index("currency_code")[
        "cny_per_unit"
    ]
    truth = pd.read_csv(data / "truth" / "orders.csv")
    truth = truth[truth["valid"]]
    truth["cny"] = truth["amount"] * truth["currency"].map(rates)
    facts = read(data, "select customer_id, sum(amount_reporting) as spend from marts.fct_orders group by 1")
    expected = truth.groupby("true_customer_id")["cny"].agg(["sum", "size"])
    got = facts.set_index("customer_id")["spend"].reindex(expected.index)
    # fct_orders rounds each line to cents: allow half a cent per line
    assert ((got - expected["sum"]).abs() <= 0.005 * expected["size"] + 1e-9).all()


def test_monthly_nps_and_csat_match_truth(sample):
    data, _ = sample
    truth = pd.read_csv(data / "truth" / "survey.csv")
    truth = truth[truth["valid"]]
    truth["month"] = pd.to_datetime(truth["submitted_at"]).dt.to_period("M").dt.to_timestamp()
    by_month = truth.groupby("month")
    expected = pd.DataFrame(
        {
            "n": by_month.size(),
            "truth_nps": by_month["nps_score"].apply(lambda s: 100 * ((s >= 9).mean() - (s <= 6).mean())),
            "truth_csat": by_month["csat_score"].apply(lambda s: 100 * (s.dropna() >= 4).mean()),
        }
    )
    got = read(
        data,
        "select response_month, response_count, nps, csat_pct from marts.mart_satisfaction "
        "where customer_segment = '(all)' and channel = '(all)' and product_category = '(all)'",
    ).set_index("response_month")
    got.index = pd.to_datetime(got.index)
    assert set(got.index) == set(expected.index)
    joined = expected.join(got)
    assert (joined["n"] == joined["response_count"]).all()
    assert ((joined["truth_nps"] - joined["nps"]).abs() < 0.006).all()
    assert ((joined["truth_csat"] - joined["csat_pct"]).abs() < 0.006).all()


def test_run_report_figures_are_the_marts_figures(sample):
    """The report's customers, largest cluster, buying customers and revenue are read from the marts."""
    data, _ = sample
    report = make_report(Settings(data_dir=str(data)).layout(), out_dir=data / "reports")
    marts = read(
        data,
        """select (select count(*) from marts.dim_customer) as customers,
                  (select max(source_record_count) from marts.dim_customer) as largest,
                  (select count(*) from marts.mart_customer_profile where order_count > 0) as buyers,
                  (select sum(total_spend) from marts.mart_customer_profile) as spend,
                  (select sum(amount_reporting) filter (where is_revenue) from marts.fct_orders) as revenue,
                  (select count(*) from marts.fct_orders) as lines""",
    ).iloc[0]
    shown, linkage = report.marts.figures, report.linkage.figures
    assert shown["customers"] == marts.customers == linkage["customers"]
    assert shown["largest_cluster"] == marts.largest == linkage["largest_cluster"]
    assert shown["buying_customers"] == marts.buyers > 0
    assert shown["order_lines"] == marts.lines
    assert shown["revenue (CNY)"] == round(marts.revenue, 2)
    assert marts.spend == pytest.approx(marts.revenue)  # every revenue line reaches a customer's spend
    assert "another linkage run" not in report.path.read_text(encoding="utf-8")


def test_profile_interests_are_the_tags_of_the_customers_enrichment_lists(sample):
    """The enrichment feed delivers interests as a JSON list (`["wine", "数码"]`): each tag reaches the 360 profile
    as a tag of its own. The list used to arrive as its JSON text, so profiles read `["wine","数码"];travel`."""
    data, xref = sample
    rows = []
    for path in (data / "landing").rglob("*.jsonl"):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            with contextlib.suppress(ValueError):  # the generator plants broken lines
                rows.append(json.loads(line))
    feed = pd.DataFrame([r for r in rows if isinstance(r, dict) and isinstance(r.get("interests"), list)])
    feed = feed[feed["interests"].map(len) > 0]
    owners = xref[xref["source"] == "enrichment"].set_index("source_record_id")["customer_id"]
    feed["customer_id"] = feed["id"].astype(str).map(owners)
    feed = feed.dropna(subset=["customer_id"])
    assert len(feed) > 20
    profile = read(
        data, "select customer_id, interests from marts.mart_customer_profile where interests is not null"
    )
    tags = {c: set(t.split(";")) for c, t in zip(profile["customer_id"], profile["interests"], strict=True)}
    assert not {t for found in tags.values() for t in found if set(t) & set('[]"')}
    for customer, listed in zip(feed["customer_id"], feed["interests"], strict=True):
        assert set(listed) <= tags.get(customer, set()), customer
