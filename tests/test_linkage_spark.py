"""The Spark linkage (linkage/spark) on local[2] gives the local engine's customers and pairs exactly.

Needs pyspark (`uv sync --group spark`) and Java 17: `make test-spark`. Without pyspark these tests skip,
unless C360_REQUIRE_SPARK=1 (make test-spark sets it), where a missing pyspark fails them.
"""

import os

import dagster as dg
import numpy as np
import pandas as pd
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components as scipy_components

from assets.link.defs import KEYS, link_assets
from assets.sample.person_records import sample_person_records
from assets.settings import Settings
from linkage.config import load_linkage_config
from linkage.engine import link

if os.environ.get("C360_REQUIRE_SPARK") != "1":
    pytest.importorskip("pyspark")

pytestmark = [pytest.mark.spark, pytest.mark.timeout(2400)]
PAIR_KEYS = ["source_l", "id_l", "source_r", "id_r", "decision", "blocking_rules", "note"]
SUMMARY_KEYS = ["records", "candidate_pairs", "pairs_by_rule", "new_pairs_by_rule", "skipped_block_keys",
                "matches", "review", "chaining_refusals", "clusters", "cluster_size_distribution",
                "created", "merged", "split", "retired"]  # fmt: skip


@pytest.fixture(scope="module")
def spark():
    from linkage.spark.session import spark_session

    return spark_session("local[2]")


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> pd.DataFrame:
    persons, _ = sample_person_records(tmp_path_factory.mktemp("sample"), customers=300, seed=7)
    return persons


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


def test_spark_linkage_equals_local_engine(spark, sample, tmp_path):
    from linkage.spark.engine import link_spark

    config = load_linkage_config()
    local = link(sample, config, run_id="r1")
    on_spark = link_spark(spark, sample, config, str(tmp_path / "work"), run_id="r1")
    assert local.summary["matches"] > 100 and local.summary["multi_record_clusters"] > 50
    assert_same_linkage(local, on_spark)
    for c in config.comparisons:
        np.testing.assert_allclose(local.parameters.m[c.name], on_spark.parameters.m[c.name], rtol=1e-9)
        np.testing.assert_allclose(local.parameters.u[c.name], on_spark.parameters.u[c.name], rtol=1e-12)
    assert on_spark.summary["engine"] == "spark" and set(on_spark.timings) >= {
        "blocking",
        "compare",
        "clustering",
    }

    # The next run keeps ids the same way: some records gone, one source's records edited.
    later = sample.sample(frac=0.9, random_state=1).reset_index(drop=True)
    later.loc[later.index[:40], "emails"] = pd.Series([[] for _ in range(40)], index=later.index[:40])
    local2 = link(later, config, previous_xref=local.xref, run_id="r2")
    spark2 = link_spark(spark, later, config, str(tmp_path / "work"), previous_xref=local.xref, run_id="r2")
    assert local2.summary["retired"] + local2.summary["split"] + local2.summary["merged"] > 0
    assert_same_linkage(local2, spark2)


def test_link_only_and_repeated_keys(spark, sample, tmp_path):
    from linkage.spark.engine import link_spark

    config = load_linkage_config().model_copy(update={"link_type": "link_only"})
    part = sample[sample["source"].isin(sorted(sample["source"].unique())[:2])].head(250)
    assert_same_linkage(
        link(part, config, run_id="x"), link_spark(spark, part, config, str(tmp_path / "w"), run_id="x")
    )
    doubled = pd.concat([part, part.head(2)], ignore_index=True)
    with pytest.raises(ValueError, match="unique per"):
        link_spark(spark, doubled, config, str(tmp_path / "w2"))


def test_large_star_small_star_components(spark):
    from linkage.spark.components import connected_components

    rng = np.random.default_rng(3)
    n = 400
    a, b = rng.integers(0, n, size=(2, 300))
    a = np.r_[a, np.arange(50, 99)]  # and a long chain (many rounds of label propagation)
    b = np.r_[b, np.arange(51, 100)]
    edges = spark.createDataFrame(pd.DataFrame({"a": a.astype(np.int64), "b": b.astype(np.int64)}))
    got = connected_components(edges).toPandas().set_index("node")["component"]
    _, labels = scipy_components(coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n)), directed=False)
    nodes = np.unique(np.r_[a[a != b], b[a != b]])
    expected = pd.Series(labels[nodes], index=nodes).groupby(level=0).first()
    smallest = pd.Series(nodes, index=nodes).groupby(labels[nodes]).transform("min")
    assert sorted(got.index) == sorted(nodes.tolist())
    assert (got.loc[nodes].to_numpy() == smallest.to_numpy()).all()
    assert len(set(got)) == len(set(expected))


def test_link_asset_on_spark_writes_same_customers(spark, sample, tmp_path, monkeypatch):
    data = tmp_path / "data"
    path = data / "silver" / "person" / "run_date=2026-01-01" / "part.parquet"
    path.parent.mkdir(parents=True)
    persons = sample.head(200)
    persons.to_parquet(path, index=False)
    monkeypatch.setenv("C360_ENGINE", "spark")
    settings = Settings(data_dir=str(data), config_dir=str(tmp_path / "no-config"))
    result = dg.materialize([link_assets], resources={"settings": settings})
    assert result.success
    meta = {m.asset_key: m.metadata for m in result.asset_materializations_for_node("link")}
    assert meta[KEYS["customer_xref"]]["engine"].value == "spark"
    assert (data / "spark" / "scored").is_dir()  # the stages went through the shared path
    xref = pd.read_parquet(data / "linkage" / "customer_xref.parquet")
    local = link(pd.read_parquet(path), load_linkage_config(), run_id="x").xref
    assert xref["customer_id"].tolist() == local["customer_id"].tolist()

    monkeypatch.setenv("C360_ENCRYPTION_KEY", "k" * 32)
    with pytest.raises(ValueError, match="zone encryption"):
        from assets.link.engine import LinkEngine

        LinkEngine().link(persons, load_linkage_config(), data, None, "y")
