"""Silver partitions stamped with the standardisation rules that wrote them (assets/standardise/rules.py): which
are stale after an upgrade, whether bronze can rebuild them, and the standardise asset re-standardising them."""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace

import dagster as dg
import pandas as pd
import pytest

import linkage.standardise
from assets.layout import DataLayout
from assets.settings import Settings
from assets.standardise.defs import build_standardise_assets
from assets.standardise.partition import PERSON, standardise_partition
from assets.standardise.rules import stale_partitions, stamp_path, stamped_rules
from linkage.standardise import STANDARDISE_RULES
from orchestration.run_summary import format_summary, run_figures

DAYS = ("2024-03-15", "2024-03-16")
NAMES = ("ouyanghaoran", "Ouyang Haoran", "张伟", "WANG Wei")


@pytest.fixture
def layout(tmp_path):
    return DataLayout(root=tmp_path, landing=str(tmp_path / "landing"), config_dir=tmp_path)


def _deliver(layout: DataLayout, day: str, n: int = 4) -> list:
    bronze = layout.bronze("shop", day)
    bronze.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(
        {
            "order_id": [f"SO-{day}-{i}" for i in range(n)],
            "customer_ref": [f"C{i}" for i in range(n)],
            "full_name": [NAMES[i % len(NAMES)] for i in range(n)],
            "email": [f"user.{i}@163.com" for i in range(n)],
            "_source": ["shop"] * n,
            "_file": ["orders.csv"] * n,
            "_line": list(range(2, n + 2)),
        }
    ).to_parquet(bronze / "a.parquet")
    return [SimpleNamespace(name="shop", entity="order", date_formats=[], phone_region="CN")]


def test_a_partition_is_stamped_once_written_and_stale_under_other_rules(layout, monkeypatch):
    sources = _deliver(layout, DAYS[0])
    standardise_partition(layout, sources, DAYS[0])
    assert stamped_rules(layout, DAYS[0]) == STANDARDISE_RULES
    assert stale_partitions(layout, sources).rebuildable == []
    stamp_path(layout, DAYS[0]).unlink()  # written by a release before stamps, or killed before its stamp
    assert stale_partitions(layout, sources).rebuildable == [DAYS[0]]
    assert stale_partitions(layout, sources, skip=[DAYS[0]]).rebuildable == []
    standardise_partition(layout, sources, DAYS[0])
    monkeypatch.setattr(linkage.standardise, "STANDARDISE_RULES", STANDARDISE_RULES + 1)  # an upgrade
    assert stale_partitions(layout, sources).rebuildable == [DAYS[0]]


def test_a_stale_partition_whose_bronze_is_gone_is_named_not_rebuilt(layout):
    sources = _deliver(layout, DAYS[0])
    standardise_partition(layout, sources, DAYS[0])
    stamp_path(layout, DAYS[0]).unlink()
    assert stale_partitions(layout, []).bronze_gone == {DAYS[0]: "order: 4 silver rows, 0 in bronze"}
    (layout.bronze("shop", DAYS[0]) / "a.parquet").unlink()
    stale = stale_partitions(layout, sources)
    assert stale.rebuildable == [] and list(stale.bronze_gone) == [DAYS[0]]


def _materialize(layout: DataLayout, sources: list, day: str) -> dict:
    asset = build_standardise_assets(sources)
    settings = Settings(data_dir=str(layout.root), landing=layout.landing)
    result = dg.materialize([asset], partition_key=day, resources={"settings": settings})
    assert result.success
    person = [
        m
        for m in result.asset_materializations_for_node("standardise")
        if m.asset_key == dg.AssetKey(["silver", PERSON])
    ]
    return {k: v.value for k, v in person[0].metadata.items()}


def test_the_night_restandardises_the_partitions_older_rules_wrote(layout):
    sources = _deliver(layout, DAYS[0])
    standardise_partition(layout, sources, DAYS[0])
    fresh = pd.read_parquet(layout.silver(PERSON, DAYS[0]))
    person = layout.silver(PERSON, DAYS[0])
    old = fresh.assign(family_name="ou", given_name="yanghaoran")  # the old split, in every row
    old.to_parquet(person, index=False)
    stamp_path(layout, DAYS[0]).write_text(json.dumps({"standardise_rules": STANDARDISE_RULES - 1}))

    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    meta = _materialize(layout, sources, DAYS[1])
    assert meta["restandardised_partitions"] == [DAYS[0]]
    pd.testing.assert_frame_equal(pd.read_parquet(person), fresh)
    assert stamped_rules(layout, DAYS[0]) == STANDARDISE_RULES
    assert "  standardised again: 1 earlier day(s) (2024-03-15), older rules or pending files" in _summary(
        layout, DAYS[1], since
    )
    assert _materialize(layout, sources, DAYS[1])["restandardised_partitions"] == []  # once


def test_a_stale_day_bronze_cannot_rebuild_is_in_the_run_summary(layout, monkeypatch):
    sources = _deliver(layout, DAYS[0])
    standardise_partition(layout, sources, DAYS[0])
    (layout.bronze("shop", DAYS[0]) / "a.parquet").unlink()
    monkeypatch.setattr(linkage.standardise, "STANDARDISE_RULES", STANDARDISE_RULES + 1)  # an upgrade
    since = dt.datetime.now(dt.UTC)
    assert _materialize(layout, sources, DAYS[1])["stale_partitions_without_bronze"] == {
        DAYS[0]: "order: 4 silver rows, 0 in bronze"
    }
    assert any(
        line.startswith(
            "  STALE: 1 day(s) of silver still written under other standardisation rules (2024-03-15)"
        )
        for line in _summary(layout, DAYS[1], since)
    )


def _summary(layout: DataLayout, day: str, since: dt.datetime) -> list[str]:
    figures = run_figures(layout, day, since)
    return format_summary(day, True, 1.0, figures, [], layout, "log", [])
