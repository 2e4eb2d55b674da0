"""The Dagster link asset: every silver/person partition → linkage/* Parquet, with metadata."""

from pathlib import Path

import dagster as dg
import pandas as pd

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
