"""The Dagster link asset: every silver/person partition → linkage/* Parquet, with metadata."""

from pathlib import Path

import dagster as dg
import pandas as pd
import yaml

import linkage.prepare
from assets.layout import REPO_ROOT
from assets.link.defs import KEYS, link_assets
from assets.settings import Settings
from linkage.records import build_person_records


def _write_persons(root: Path, run_date: str, frame: pd.DataFrame, source: str) -> None:
    persons = build_person_records(frame, "contact", source)
    path = root / "silver" / "person" / f"run_date={run_date}" / "part.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    persons.to_parquet(path, index=False)


def test_materialize_twice(tmp_path: Path):
    crm = pd.DataFrame(
        {
            "source_record_id": ["1", "2", "3"],
            "full_name": ["張偉", "李雷", "Emma Dubois"],
            "email": ["zw@qq.com", "lilei@163.com", "emma.dubois@outlook.com"],
            "phone_mobile": ["13812345678", "13912345678", "+44 7122 706463"],
            "_loaded_at": "2026-01-01T00:00:00",
        }
    )
    _write_persons(tmp_path, "2026-01-01", crm, "crm")
    settings = Settings(data_dir=str(tmp_path), config_dir=str(tmp_path / "no-config"))
    result = dg.materialize([link_assets], resources={"settings": settings})
    assert result.success
    xref = pd.read_parquet(tmp_path / "linkage" / "customer_xref.parquet")
    assert len(xref) == 3 and xref["customer_id"].nunique() == 3
    meta = result.asset_materializations_for_node("link")
    by_key = {m.asset_key: m.metadata for m in meta}
    assert by_key[KEYS["customer_xref"]]["records"].value == 3
    assert "pairs_by_rule" in by_key[KEYS["match_pairs"]]

    shop = pd.DataFrame(
        {
            "source_record_id": ["9"],
            "full_name": ["Wei Zhang"],
            "email": ["ZW@qq.com"],
            "phone_mobile": ["+86 138-1234-5678"],
            "_loaded_at": "2026-01-02T00:00:00",
        }
    )
    _write_persons(tmp_path, "2026-01-02", shop, "shop")
    assert dg.materialize([link_assets], resources={"settings": settings}).success
    again = pd.read_parquet(tmp_path / "linkage" / "customer_xref.parquet")
    ids = dict(zip(again["source"] + ":" + again["source_record_id"], again["customer_id"], strict=True))
    first = dict(zip(xref["source"] + ":" + xref["source_record_id"], xref["customer_id"], strict=True))
    assert ids["shop:9"] == ids["crm:1"] == first["crm:1"]
    assert all(ids[k] == v for k, v in first.items())
    # Joining an existing customer is no id event; the run itself is recorded.
    history = pd.read_parquet(tmp_path / "linkage" / "id_history.parquet")
    assert set(history["event"]) == {"created"} and len(history) == 3
    assert len(pd.read_parquet(tmp_path / "linkage" / "linkage_runs.parquet")) == 2


def _people(ids: list[str], names: list[str], loaded: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source_record_id": ids,
            "full_name": names,
            "email": [f"{n.replace(' ', '.').lower()}@example.com" for n in names],
            "phone_mobile": [f"1381234{int(i):04d}" for i in ids],
            "_loaded_at": loaded,
        }
    )


def test_night_without_new_person_records_skips_linkage_and_the_marts(tmp_path: Path, monkeypatch):
    names = [f"Person {chr(65 + i)} Number{i}" for i in range(20)]
    _write_persons(tmp_path, "2026-01-01", _people([str(i) for i in range(20)], names, "2026-01-01"), "crm")
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    shipped = yaml.safe_load((REPO_ROOT / "config" / "linkage.yaml").read_text(encoding="utf-8"))
    (config_dir / "linkage.yaml").write_text(yaml.safe_dump(shipped, allow_unicode=True), encoding="utf-8")
    settings = Settings(data_dir=str(tmp_path), config_dir=str(config_dir))
    built: list[str] = []

    @dg.asset(deps=[KEYS["customer_xref"]])
    def mart() -> None:
        built.append("mart")

    def night(full_refresh: bool = False, refit: bool = False) -> dg.ExecuteInProcessResult:
        config = {"ops": {"link": {"config": {"full_refresh": full_refresh, "refit": refit}}}}
        return dg.materialize([link_assets, mart], resources={"settings": settings}, run_config=config)

    def mode(result: dg.ExecuteInProcessResult) -> str:
        meta = {m.asset_key: m.metadata for m in result.asset_materializations_for_node("link")}
        return meta[KEYS["customer_xref"]]["mode"].value

    first = night()
    assert first.success and built == ["mart"]
    xref = tmp_path / "linkage" / "customer_xref.parquet"
    before = xref.stat().st_mtime_ns
    # an empty partition of a night without new files changes nothing
    empty = build_person_records(_people([], [], "2026-01-02"), "contact", "crm")
    (tmp_path / "silver" / "person" / "run_date=2026-01-02").mkdir(parents=True)
    empty.to_parquet(tmp_path / "silver" / "person" / "run_date=2026-01-02" / "part.parquet")
    second = night()
    assert second.success and built == ["mart"]  # the mart was skipped
    assert xref.stat().st_mtime_ns == before
    observed = [
        e.event_specific_data.asset_observation
        for e in second.all_events
        if e.event_type_value == "ASSET_OBSERVATION"
    ]
    assert {o.asset_key for o in observed} == set(KEYS.values())
    assert all("skipped" in o.metadata["skipped"].value for o in observed)
    # a new record the next night: incremental; a forced full refresh re-links everything, same ids
    _write_persons(tmp_path, "2026-01-03", _people(["99"], ["Person A Number0"], "2026-01-03"), "shop")
    third = night()
    assert third.success and built == ["mart", "mart"]
    assert mode(third) == "incremental"
    ids = pd.read_parquet(xref)
    fourth = night(full_refresh=True)
    assert mode(fourth) == "full (stored model): full refresh asked"
    pd.testing.assert_frame_equal(
        pd.read_parquet(xref)[["source", "source_record_id", "customer_id"]],
        ids[["source", "source_record_id", "customer_id"]],
    )
    fifth = night(refit=True)
    assert mode(fifth) == "full (refitted model): refit asked"
    # an upgrade whose preparation rules changed: the next night refits on every record prepared anew, though no
    # person file changed; the night after skips again
    monkeypatch.setattr(linkage.prepare, "PREPARE_RULES", linkage.prepare.PREPARE_RULES + 1)
    upgraded = night()
    assert mode(upgraded).startswith(
        "full (refitted model): customer360's standardisation or preparation rules changed"
    )
    assert upgraded.success and len(built) == 5
    assert night().success and len(built) == 5  # skipped
    # a changed threshold in linkage.yaml, no new files: every record linked again with the stored model
    shipped["thresholds"]["match"] = 0.9
    (config_dir / "linkage.yaml").write_text(yaml.safe_dump(shipped, allow_unicode=True), encoding="utf-8")
    retuned = night()
    assert mode(retuned).startswith("full (stored model): linkage.yaml's thresholds")
    assert retuned.success and len(built) == 6
    assert night().success and len(built) == 6  # skipped


def test_a_run_without_records_is_logged_at_utc_like_the_customer_file(tmp_path: Path, monkeypatch):
    """linkage_runs.linked_at holds UTC without a zone, as customer_xref's does, also for a run that linked no
    record (it used to take the machine's wall clock)."""
    import time
    from types import SimpleNamespace

    from assets.link.io import _runs

    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        empty = SimpleNamespace(
            xref=pd.DataFrame({"linked_at": pd.Series([], dtype="datetime64[us]")}), summary={}
        )
        linked_at = _runs(tmp_path, empty, "run-1")["linked_at"].iloc[0]
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    utc_now = pd.Timestamp.now(tz="UTC").tz_localize(None)
    assert abs(linked_at - utc_now) < pd.Timedelta(minutes=1)
