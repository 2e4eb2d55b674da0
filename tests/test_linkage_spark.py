"""The Spark linkage (linkage/spark) on local[2] gives the local engine's customers and pairs exactly, with every
stage of the engine in play: references, contact-point links, the household guard, steward decisions (labels
that correct the weights, must- and cannot-links) and id continuity from a previous run.

Needs pyspark (`uv sync --group spark`) and Java 17: `make test-spark`. Without pyspark these tests skip,
unless C360_REQUIRE_SPARK=1 (make test-spark sets it), where a missing pyspark fails them.
"""

import os
from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd
import pytest

from assets.ingest.config import load_sources_config
from assets.link.defs import KEYS, link_assets
from assets.sample.person_records import sample_person_records
from assets.settings import Settings
from linkage.config import load_linkage_config
from linkage.engine import link
from linkage.learn import MIN_LABELS
from linkage.records import build_person_records

if os.environ.get("C360_REQUIRE_SPARK") != "1":
    pytest.importorskip("pyspark")

pytestmark = [pytest.mark.spark, pytest.mark.timeout(1200)]
REPO = Path(__file__).resolve().parents[1]
PAIR_KEYS = ["source_l", "id_l", "source_r", "id_r", "decision", "blocking_rules", "note"]
SUMMARY_KEYS = ["records", "candidate_pairs", "pairs_by_rule", "new_pairs_by_rule", "skipped_block_keys",
                "matches", "review", "chaining_refusals", "clusters", "cluster_size_distribution",
                "created", "merged", "split", "retired", "unlinkable_records", "reference_links",
                "unresolved_references", "contact_point_attached", "contact_point_ambiguous",
                "household_guard_pairs", "steward"]  # fmt: skip


@pytest.fixture(scope="module")
def spark():
    from linkage.spark.session import spark_session

    return spark_session("local[2]")


def _household_file() -> pd.DataFrame:
    """Two CRMs and a campaign list with a household, a couple sharing a mobile, role mailboxes and
    evidence-only records (tests/test_linkage_contact_points.py): the household guard's cases."""
    from test_linkage_contact_points import _campaign, _crm, _crm2

    return pd.concat(
        [
            build_person_records(_crm(), "contact", "crm"),
            build_person_records(_crm2(), "contact", "crm2"),
            build_person_records(_campaign(), "campaign_member", "campaigns"),
        ],
        ignore_index=True,
    )


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The harder sample (300 customers: order rows naming a CRM id, campaign members known by an e-mail)
    plus the household file; and the sample's truth."""
    persons, truth = sample_person_records(tmp_path_factory.mktemp("sample"), customers=300, seed=7)
    return pd.concat([persons, _household_file()], ignore_index=True), truth


@pytest.fixture(scope="module")
def references() -> dict[str, list[str]]:
    return load_sources_config(REPO / "config" / "sources.yaml").references()


def assert_same_linkage(local, spark_result) -> None:
    pd.testing.assert_frame_equal(
        local.xref.drop(columns="linked_at"),
        spark_result.xref.drop(columns="linked_at"),
        check_exact=False,
        rtol=1e-12,
    )
    pd.testing.assert_frame_equal(local.pairs[PAIR_KEYS], spark_result.pairs[PAIR_KEYS])
    np.testing.assert_allclose(local.pairs["match_weight"], spark_result.pairs["match_weight"], rtol=1e-12)
    history = ["customer_id", "event", "related_ids"]
    pd.testing.assert_frame_equal(local.history[history], spark_result.history[history])
    assert {k: local.summary[k] for k in SUMMARY_KEYS} == {k: spark_result.summary[k] for k in SUMMARY_KEYS}


def steward_decisions(result, truth: pd.DataFrame) -> pd.DataFrame:
    """Decisions a steward would give: the review queue and MIN_LABELS matched pairs labelled from the truth (enough
    labels to correct the weights, linkage/learn.py, however short the queue), a cannot-link inside a customer and a
    must-link between two customers."""
    true_id = truth.set_index(["source", "source_record_id"])["true_customer_id"]
    pairs = result.pairs
    picked = pd.concat(
        [pairs[pairs["decision"] == "review"], pairs[pairs["decision"] == "match"].head(MIN_LABELS)]
    )
    left = true_id.reindex(pd.MultiIndex.from_frame(picked[["source_l", "id_l"]])).to_numpy()
    right = true_id.reindex(pd.MultiIndex.from_frame(picked[["source_r", "id_r"]])).to_numpy()
    known = pd.notna(left) & pd.notna(right)
    labelled = picked.loc[known, ["source_l", "id_l", "source_r", "id_r"]].assign(
        label=np.where(left[known] == right[known], "match", "non_match")
    )
    inside = pairs[(pairs["decision"] == "match") & ~pairs.index.isin(picked.index)].iloc[0]
    xref = result.xref.drop_duplicates("customer_id")
    forced = pd.DataFrame(
        [
            [inside["source_l"], inside["id_l"], inside["source_r"], inside["id_r"], "non_match"],
            [*xref.iloc[0][["source", "source_record_id"]], *xref.iloc[1][["source", "source_record_id"]], "match"],
        ],
        columns=labelled.columns,
    )  # fmt: skip
    return pd.concat([labelled, forced], ignore_index=True).assign(reviewer="ann")


def _collected_pairs(spark, monkeypatch) -> list[pd.DataFrame]:
    """Every frame of record pairs (columns l and r) the driver takes from Spark, as pandas."""
    DataFrame = type(spark.range(1))  # the session's class (pyspark.sql.classic), which overrides both

    seen: list[pd.DataFrame] = []
    to_pandas, collect = DataFrame.toPandas, DataFrame.collect

    def watched_to_pandas(self):
        out = to_pandas(self)
        if {"l", "r"} <= set(out.columns):
            seen.append(out)
        return out

    def watched_collect(self):
        rows = collect(self)
        if {"l", "r"} <= set(self.columns):
            seen.append(pd.DataFrame([r.asDict() for r in rows], columns=self.columns))
        return rows

    monkeypatch.setattr(DataFrame, "toPandas", watched_to_pandas)
    monkeypatch.setattr(DataFrame, "collect", watched_collect)
    return seen


def assert_no_scored_pairs_on_driver(seen: list[pd.DataFrame], config, result, decided: int = 0) -> None:
    """The stages after scoring ran per component: the driver took only the pairs match_pairs keeps (no
    non-match), the pairs a steward labelled, and the pairs that can make a contact value not personal
    (different given names); never the scored candidate pairs."""
    given = next(c.name for c in config.comparisons if c.kind == "name" and c.column == "given")
    assert result.summary["spark_components"] > 100
    assert any("decision" in frame for frame in seen)  # the kept pairs: the watch sees what is collected
    for frame in seen:
        if "decision" in frame:
            assert (frame["decision"] != 0).all(), "the driver collected non-match pairs"
        elif f"g_{given}" in frame and "weight_" + given not in frame:
            assert (frame[f"g_{given}"] == 0).all(), "the driver collected pairs with the same given name"
        else:
            assert len(frame) <= decided, (
                f"the driver collected {len(frame)} pairs: {list(frame.columns)[:6]}"
            )
    assert sum(len(f) for f in seen) < result.summary["candidate_pairs"]


def test_spark_linkage_equals_local_engine(spark, sample, references, tmp_path, monkeypatch):
    from linkage.spark.engine import link_spark

    persons, truth = sample
    config = load_linkage_config()
    local = link(persons, config, run_id="r1", references=references)
    seen = _collected_pairs(spark, monkeypatch)
    on_spark = link_spark(spark, persons, config, str(tmp_path / "work"), run_id="r1", references=references)
    assert_no_scored_pairs_on_driver(seen, config, on_spark)
    s = local.summary
    assert s["matches"] > 1000 and s["multi_record_clusters"] > 100
    assert s["reference_links"] > 20 and s["contact_point_attached"] > 50 and s["household_guard_pairs"] > 0
    assert_same_linkage(local, on_spark)
    for c in config.comparisons:
        np.testing.assert_allclose(local.parameters.m[c.name], on_spark.parameters.m[c.name], rtol=1e-9)
        np.testing.assert_allclose(local.parameters.u[c.name], on_spark.parameters.u[c.name], rtol=1e-12)
    assert on_spark.summary["engine"] == "spark" and set(on_spark.timings) >= {
        "blocking",
        "compare",
        "clustering",
    }
    assert on_spark.state is not None  # an incremental night can follow a Spark run

    # The next night: some records gone, some edited, the stewards' decisions in force, ids kept.
    decisions = steward_decisions(local, truth)
    later = persons.sample(frac=0.9, random_state=1).reset_index(drop=True)
    later.loc[later.index[:40], "emails"] = pd.Series([[] for _ in range(40)], index=later.index[:40])
    args = {"previous_xref": local.xref, "run_id": "r2", "decisions": decisions, "references": references}
    local2 = link(later, config, **args)
    seen.clear()
    spark2 = link_spark(spark, later, config, str(tmp_path / "work"), **args)
    assert_no_scored_pairs_on_driver(seen, config, spark2, decided=len(decisions))
    steward = local2.summary["steward"]
    assert steward["corrected"] and steward["must_links"] and steward["cannot_links"]
    assert local2.summary["retired"] + local2.summary["split"] + local2.summary["merged"] > 0
    assert_same_linkage(local2, spark2)


def test_mistyped_email_attaches_before_the_named_pass(spark, tmp_path):
    """The contact-point file alone (tests/test_linkage_contact_points.py): L14 (C018's mailbox, two letters
    swapped, no pair at all) joins C018 before the named pass, so L15 (C018's mobile, another given name) finds
    C018 a customer of two records to join; were the mistyped e-mails attached after the per-component stages,
    C018 and L15 would be two lone records there, never joined."""
    from test_linkage_contact_points import _persons

    from linkage.spark.engine import link_spark

    persons, config = _persons(), load_linkage_config()
    local = link(persons, config, run_id="t")
    on_spark = link_spark(spark, persons, config, str(tmp_path / "work"), run_id="t")
    for result in (local, on_spark):
        customer = result.xref.set_index(["source", "source_record_id"])["customer_id"]
        assert customer[("campaigns", "L14")] == customer[("crm", "C018")] == customer[("campaigns", "L15")]
    assert_same_linkage(local, on_spark)


def test_partitions_follow_the_cores_and_the_file(spark, monkeypatch):
    """Two shuffle partitions per core, one per C360_SPARK_RECORDS_PER_PARTITION records beyond that, a user's
    spark.sql.shuffle.partitions kept; a Python stage over a one-partition frame gets them all."""
    from linkage.spark.session import _FIXED, SHUFFLE_PARTITIONS, spread, tune_partitions

    try:
        assert tune_partitions(spark, 1000) == 4  # local[2]
        assert tune_partitions(spark, 1_000_000) == 20
        monkeypatch.setenv("C360_SPARK_RECORDS_PER_PARTITION", "1000")
        assert tune_partitions(spark, 1_000_000) == 1000
        one = spark.range(100).coalesce(1)
        assert spread(one).rdd.getNumPartitions() == 1000
        spark.conf.set(SHUFFLE_PARTITIONS, "7")
        spark.conf.set(_FIXED, "true")
        assert tune_partitions(spark, 1_000_000) == 7
    finally:
        spark.conf.set(_FIXED, "false")
        monkeypatch.delenv("C360_SPARK_RECORDS_PER_PARTITION")
        tune_partitions(spark, 0)


@pytest.mark.parametrize("driver_edges", ["0", "1500", "1000000"])
def test_connected_components_match_scipy(spark, monkeypatch, driver_edges):
    """Large-star/small-star on Spark: the components of a random graph with long chains (a path of 300
    records, a star, a clique, repeated and reversed edges, self-loops) are scipy's, each named by its smallest
    rid: every round on Spark (C360_SPARK_DRIVER_EDGES=0), a round on Spark until at most 1,500 edges are left
    (the clique's 1,770 become a star) then the driver, or all on the driver."""
    monkeypatch.setenv("C360_SPARK_DRIVER_EDGES", driver_edges)
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components as scipy_components

    from linkage.spark.components import connected_components

    rng = np.random.default_rng(3)
    path = np.arange(1000, 1300)
    edges = np.concatenate([
        rng.integers(0, 600, (400, 2)),
        np.column_stack([path[1:], path[:-1]])[rng.permutation(299)],
        np.column_stack([np.full(50, 700), np.arange(701, 751)]),
        np.array([(a, b) for a in range(2000, 2060) for b in range(a + 1, 2060)]),
        [[5, 5], [9, 8], [8, 9]],
    ])  # fmt: skip
    frame = spark.createDataFrame(pd.DataFrame({"a": edges[:, 0], "b": edges[:, 1]}).astype("int64"))
    got = connected_components(frame).toPandas().set_index("rid")["component"].sort_index()
    nodes = np.unique(edges)
    assert got.index.tolist() == nodes.tolist()
    n = int(nodes.max()) + 1
    labels = scipy_components(coo_matrix((np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n, n)),
                              directed=False)[1]  # fmt: skip
    smallest = pd.Series(nodes).groupby(labels[nodes]).transform("min").to_numpy()
    assert got.to_numpy().tolist() == smallest.tolist()


def test_link_only_and_repeated_keys(spark, sample, references, tmp_path):
    from linkage.spark.engine import link_spark

    config = load_linkage_config().model_copy(update={"link_type": "link_only"})
    persons = sample[0]
    part = persons[persons["source"].isin(["salesforce", "orders"])].head(300)
    assert_same_linkage(
        link(part, config, run_id="x", references=references),
        link_spark(spark, part, config, str(tmp_path / "w"), run_id="x", references=references),
    )
    doubled = pd.concat([part, part.head(2)], ignore_index=True)
    with pytest.raises(ValueError, match="unique per"):
        link_spark(spark, doubled, config, str(tmp_path / "w2"))


def test_record_table_too_big_to_broadcast_compares_joined(spark, sample, references, tmp_path, monkeypatch):
    """Over C360_SPARK_BROADCAST_MB the pairs are joined with both records instead of comparing by index into
    the broadcast table, and over C360_SPARK_BROADCAST_REFERENCES the reference pairs are full-outer-joined
    with the blocked pairs instead of looked up: the same linkage as the local engine either way."""
    from linkage.encode import encode_records
    from linkage.prepare import prepare_records
    from linkage.spark.compare import broadcast_records
    from linkage.spark.engine import link_spark

    config = load_linkage_config()
    # each source's first rows: orders and the CRM ids they name
    part = sample[0].groupby("source", sort=False).head(40)
    local = link(part, config, run_id="x", references=references)
    assert local.summary["reference_links"] > 0
    records = encode_records(prepare_records(part), config.record_columns)
    assert broadcast_records(spark, records, config) is not None
    monkeypatch.setenv("C360_SPARK_BROADCAST_MB", "0")
    monkeypatch.setenv("C360_SPARK_BROADCAST_REFERENCES", "0")
    assert broadcast_records(spark, records, config) is None
    joined = link_spark(spark, part, config, str(tmp_path / "w"), run_id="x", references=references)
    assert_same_linkage(local, joined)


def test_link_asset_on_spark_writes_same_customers(spark, sample, tmp_path, monkeypatch):
    data = tmp_path / "data"
    path = data / "silver" / "person" / "run_date=2026-01-01" / "part.parquet"
    path.parent.mkdir(parents=True)
    persons = sample[0].head(200)
    persons.to_parquet(path, index=False)
    monkeypatch.setenv("C360_ENGINE", "spark")
    settings = Settings(data_dir=str(data), config_dir=str(tmp_path / "no-config"))
    result = dg.materialize([link_assets], resources={"settings": settings})
    assert result.success
    meta = {m.asset_key: m.metadata for m in result.asset_materializations_for_node("link")}
    assert meta[KEYS["customer_xref"]]["engine"].value == "spark"
    assert (data / "spark" / "comparisons").is_dir()  # the stages went through the shared path
    xref = pd.read_parquet(data / "linkage" / "customer_xref.parquet")
    local = link(pd.read_parquet(path), load_linkage_config(), run_id="x").xref
    assert xref["customer_id"].tolist() == local["customer_id"].tolist()

    monkeypatch.setenv("C360_ENCRYPTION_KEY", "k" * 32)
    with pytest.raises(ValueError, match="zone encryption"):
        from assets.link.engine import LinkEngine

        LinkEngine().link(persons, load_linkage_config(), data, None, "y")
