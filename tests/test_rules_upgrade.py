"""An upgrade that changes the standardisation and preparation rules: the first night after it re-standardises the
silver partitions written under the old rules from bronze and refits the model on the records prepared anew, so
the customer file, silver and the marts equal a fresh install's on the same deliveries (assets/standardise/rules.py,
linkage/state.fitted_rules).

The old release is simulated in-process: compound surnames unknown (linkage/standardise/compound_surnames.py, the
rule the last upgrade brought: 'Ouyang Haoran' was family 'haoran') and the rule versions one lower; its silver
partitions carry no stamp, as a release before stamps wrote them.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from test_backup_drill import night

import linkage.prepare
import linkage.standardise
from assets.layout import DataLayout
from assets.link.io import read_state
from assets.sample import generate_sample
from assets.standardise.rules import stale_partitions, stamp_path
from linkage.standardise import compound_surnames

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1800)]  # four nightly runs
NIGHT1, NIGHT2 = "2026-11-25", "2026-11-26"
MARTS = ("dim_customer", "fct_orders", "mart_customer_profile", "mart_source_row_crosswalk")


def old_release(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compound_surnames, "compound_spellings", lambda: {})
    monkeypatch.setattr(linkage.standardise, "STANDARDISE_RULES", linkage.standardise.STANDARDISE_RULES - 1)
    monkeypatch.setattr(linkage.prepare, "PREPARE_RULES", linkage.prepare.PREPARE_RULES - 1)


def silver(data: Path) -> dict[str, pd.DataFrame]:
    out = {}
    for path in sorted((data / "silver").rglob("*.parquet")):
        frame = pd.read_parquet(path).drop(columns=["_loaded_at", "loaded_at"], errors="ignore")
        out[str(path.relative_to(data))] = (
            frame.astype(str).sort_values(list(frame.columns)).reset_index(drop=True)
        )
    return out


def anchors(xref: pd.DataFrame) -> pd.Series:
    """customer_id → its smallest record key: the same customer in two installs whatever id each gave it."""
    linked = xref.dropna(subset=["customer_id"])
    keys = linked["source"].astype(str) + ":" + linked["source_record_id"].astype(str)
    return keys.groupby(linked["customer_id"].to_numpy()).min()


def customer_file(data: Path) -> dict[str, pd.DataFrame]:
    xref = pd.read_parquet(data / "linkage" / "customer_xref.parquet")
    anchor = anchors(xref)
    out = {"xref": xref.assign(customer_id=xref["customer_id"].map(anchor))[["source", "source_record_id", "customer_id"]]
           .sort_values(["source", "source_record_id"]).reset_index(drop=True)}  # fmt: skip
    with duckdb.connect(str(data / "warehouse" / "customer360.duckdb"), read_only=True) as con:
        for mart in MARTS:
            frame = con.execute(f"select * from marts.{mart}").df()
            stamps = [c for c in frame if c.endswith(("_at", "_ts")) or c in ("loaded_at", "run_date")]
            frame = frame.drop(columns=stamps)
            if "customer_id" in frame:
                frame["customer_id"] = frame["customer_id"].map(anchor)
            out[mart] = frame.astype(str).sort_values(list(frame.columns)).reset_index(drop=True)
    return out


def install(root: Path, sample: Path) -> tuple[Path, Path]:
    landing = root / "landing"
    shutil.copytree(sample / "landing", landing)
    return root / "data", landing


def test_upgrade_night_equals_a_fresh_install(tmp_path, monkeypatch):
    sample = tmp_path / "sample"
    generate_sample(sample, customers=120, seed=11)
    fresh, fresh_landing = install(tmp_path / "fresh", sample)
    night(fresh, fresh_landing, NIGHT1)
    night(fresh, fresh_landing, NIGHT2)

    data, landing = install(tmp_path / "upgraded", sample)
    with monkeypatch.context() as m:
        old_release(m)
        night(data, landing, NIGHT1)
    layout = DataLayout(root=data, landing=str(landing), config_dir=Path("config"))
    shutil.rmtree(stamp_path(layout, NIGHT1).parent)  # a release before stamps
    state_file = data / "linkage" / "state" / "model.json"
    stored = json.loads(state_file.read_text())
    stored.pop("fitted_rules")  # a release before fitted_rules
    state_file.write_text(json.dumps(stored))
    person = f"silver/person/run_date={NIGHT1}/part.parquet"
    assert not silver(data)[person].equals(silver(fresh)[person])  # the old rules split some names otherwise
    assert list(stale_partitions(layout, []).bronze_gone) == [
        NIGHT1
    ]  # with no source, no bronze for its rows

    night(data, landing, NIGHT2)  # the upgrade's first night: nothing new delivered
    upgraded, built = silver(data), silver(fresh)
    assert list(upgraded) == list(built)
    for name, frame in built.items():
        pd.testing.assert_frame_equal(upgraded[name], frame, obj=name)
    model, fitted = read_state(data / "linkage")[0], read_state(fresh / "linkage")[0]
    # the model is fitted on what the new rules make, as a fresh install's
    assert model.parameters.prior == pytest.approx(fitted.parameters.prior)
    for name, m in fitted.parameters.m.items():
        assert model.parameters.m[name] == pytest.approx(m) and model.parameters.u[name] == pytest.approx(
            fitted.parameters.u[name]
        )
    pd.testing.assert_frame_equal(model.frequencies, fitted.frequencies)
    upgraded, built = customer_file(data), customer_file(fresh)
    assert list(upgraded) == list(built)
    for name, frame in built.items():
        pd.testing.assert_frame_equal(upgraded[name], frame, obj=name)
