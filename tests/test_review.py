"""Clerical review without a browser: the decision log (encrypted at rest, stale flag, erasure), the CSV round trip
through the real CLI, manual merge/unmerge round trips through the real link asset, and the queue's order."""

from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
from typer.testing import CliRunner

from assets.layout import REPO_ROOT, DataLayout
from assets.link.defs import link_assets
from assets.parquet_files import is_encrypted_parquet, write_parquet_atomic
from assets.review.decisions import current_decisions, decisions_path, read_decisions, record_decisions
from assets.review.queue import build_queue
from assets.settings import Settings
from linkage.config import load_linkage_config
from linkage.records import build_person_records
from orchestration.cli import app

RUN_DATE = "2026-01-01"


def write_people(root: Path, frame: pd.DataFrame | None = None) -> pd.DataFrame:
    """Two people with two records each (CRM + shop), and a third person alone."""
    crm = pd.DataFrame({
        "source_record_id": ["1", "2", "3"],
        "full_name": ["张伟", "李娜", "Emma Dubois"],
        "email": ["zw@qq.com", "lina@163.com", "emma.dubois@outlook.com"],
        "phone_mobile": ["13812345678", "13912345678", "+44 7122 706463"],
        "birth_date": ["1990-01-02", "1985-03-04", "1979-12-12"],
        "_loaded_at": "2026-01-01T00:00:00",
    })  # fmt: skip
    shop = pd.DataFrame({
        "source_record_id": ["9", "8"],
        "full_name": ["Wei Zhang", "Li Na"],
        "email": ["ZW@qq.com", "lina@163.com"],
        "phone_mobile": ["+86 138-1234-5678", "139 1234 5678"],
        "birth_date": ["1990-01-02", "1985-03-04"],
        "_loaded_at": "2026-01-01T00:00:00",
    })  # fmt: skip
    persons = pd.concat(
        [build_person_records(crm, "contact", "crm"), build_person_records(shop if frame is None else frame, "contact", "shop")],
        ignore_index=True,
    )  # fmt: skip
    write_parquet_atomic(persons, root / "silver" / "person" / f"run_date={RUN_DATE}" / "part.parquet")
    return persons


@pytest.fixture(params=["plain", "encrypted"])
def world(request, tmp_path, monkeypatch):
    monkeypatch.setenv("C360_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("C360_REVIEWER", "ana")
    monkeypatch.setenv("C360_HMAC_KEY", "review test hmac")
    if request.param == "encrypted":
        monkeypatch.setenv("C360_ENCRYPTION_KEY", "review test key")
    persons = write_people(tmp_path)
    layout = DataLayout(root=tmp_path, landing=str(tmp_path / "landing"), config_dir=REPO_ROOT / "config")
    night(tmp_path)
    return layout, persons, request.param


def night(root: Path) -> pd.DataFrame:
    """The nightly link step (the real Dagster asset); returns customer_xref keyed source:id → customer_id."""
    assert dg.materialize([link_assets], resources={"settings": Settings(data_dir=str(root))}).success
    xref = pd.read_parquet(root / "linkage" / "customer_xref.parquet") if not _encrypted() else _read(root)
    return dict(zip(xref["source"] + ":" + xref["source_record_id"], xref["customer_id"], strict=True))


def _encrypted() -> bool:
    import os

    return bool(os.environ.get("C360_ENCRYPTION_KEY"))


def _read(root: Path) -> pd.DataFrame:
    from assets.parquet_files import read_parquet

    return read_parquet(root / "linkage" / "customer_xref.parquet")


def _pair(a: str, b: str) -> pd.DataFrame:
    (sa, ia), (sb, ib) = a.split(":"), b.split(":")
    return pd.DataFrame([{"source_l": sa, "id_l": ia, "source_r": sb, "id_r": ib}])


def test_decisions_are_encrypted_data_with_who_when_and_fingerprints(world):
    layout, persons, mode = world
    record_decisions(layout, _pair("crm:1", "shop:9"), "non_match", "page", persons=persons)
    assert is_encrypted_parquet(decisions_path(layout)) == (mode == "encrypted")
    log = read_decisions(layout)
    assert log.loc[0, "reviewer"] == "ana" and log.loc[0, "origin"] == "page"
    assert (
        len(log.loc[0, "fingerprint_l"]) == 16 and log.loc[0, "fingerprint_l"] != log.loc[0, "fingerprint_r"]
    )
    assert not current_decisions(layout, persons)["stale"].any()
    # The shop record's e-mail changes after the decision: the decision is flagged stale.
    changed = write_people(layout.root, pd.DataFrame({"source_record_id": ["9", "8"], "full_name": ["Wei Zhang", "Li Na"],
                                                     "email": ["wei.zhang@new.cn", "lina@163.com"],
                                                     "phone_mobile": ["+86 138-1234-5678", "139 1234 5678"],
                                                     "birth_date": ["1990-01-02", "1985-03-04"],
                                                     "_loaded_at": "2026-01-02T00:00:00"}))  # fmt: skip
    assert current_decisions(layout, changed)["stale"].tolist() == [True]
    with pytest.raises(ValueError, match="label must be one of"):
        record_decisions(layout, _pair("crm:1", "shop:9"), "maybe", "page")


def test_export_import_round_trip_through_the_cli(world, tmp_path_factory):
    layout, persons, _ = world
    record_decisions(layout, _pair("crm:1", "shop:9"), "match", "page", persons=persons)
    record_decisions(layout, pd.DataFrame([{"source_l": "crm", "id_l": "=HYPERLINK(1)", "source_r": "shop",
                                            "id_r": "8"}]), "non_match", "page")  # fmt: skip
    out = tmp_path_factory.mktemp("csv") / "decisions.csv"
    runner = CliRunner()
    result = runner.invoke(app, ["review", "export", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "'=HYPERLINK(1)" in text and ",=HYPERLINK" not in text  # a spreadsheet will not run it
    before = read_decisions(layout)
    decisions_path(layout).unlink()
    result = runner.invoke(app, ["review", "import", str(out)])
    assert result.exit_code == 0 and "2 decisions imported" in result.output, result.output
    after = read_decisions(layout)
    columns = [
        "decision_id",
        "source_l",
        "id_l",
        "source_r",
        "id_r",
        "label",
        "reviewer",
        "origin",
        "fingerprint_l",
    ]
    pd.testing.assert_frame_equal(after[columns], before[columns])
    assert (after["decided_at"] == before["decided_at"]).all()
    again = runner.invoke(app, ["review", "import", str(out)])
    assert "0 decisions imported, 2 already present" in again.output
    bad = out.with_name("bad.csv")
    bad.write_text("source_l,id_l,source_r,id_r,label\ncrm,1,shop,9,yes\n", encoding="utf-8")
    failed = runner.invoke(app, ["review", "import", str(bad)])
    assert failed.exit_code != 0 and "row 2" in str(failed.exception)


def test_merge_and_unmerge_round_trip_with_history(world):
    layout, _, _ = world
    ids = night(layout.root)
    zhang, li = ids["crm:1"], ids["crm:2"]
    assert ids["shop:9"] == zhang != li == ids["shop:8"]
    runner = CliRunner()
    assert runner.invoke(app, ["customer", "merge", zhang, li]).exit_code == 0
    merged = night(layout.root)
    kept = merged["crm:1"]
    assert merged["shop:9"] == merged["crm:2"] == merged["shop:8"] == kept and kept in (zhang, li)
    history = _history(layout)
    assert {"manual_merge", "merged", "retired"} <= set(history["event"])
    assert history.loc[history["event"] == "retired", "customer_id"].tolist() == list({zhang, li} - {kept})
    result = runner.invoke(app, ["customer", "unmerge", kept, "--records", "crm:2,shop:8"])
    assert result.exit_code == 0, result.output
    split = night(layout.root)
    assert split["crm:1"] == split["shop:9"] != split["crm:2"] == split["shop:8"]
    assert kept in (split["crm:1"], split["crm:2"])
    assert {"manual_unmerge", "split"} <= set(_history(layout)["event"])
    # The match evidence names the steward.
    pairs = _pairs(layout)
    assert pairs.loc[pairs["blocking_rules"].str.startswith("steward"), "note"].str.contains("by ana").all()
    # Merge again: the unmerge's cannot-links are neutralised, the customers are one again.
    assert runner.invoke(app, ["customer", "merge", split["crm:2"], split["crm:1"]]).exit_code == 0
    again = night(layout.root)
    assert again["crm:1"] == again["crm:2"] == again["shop:8"]
    bad = runner.invoke(app, ["customer", "unmerge", again["crm:1"], "--records", "crm:404"])
    assert bad.exit_code != 0 and "not records of" in str(bad.exception)


def _history(layout: DataLayout) -> pd.DataFrame:
    from assets.parquet_files import read_parquet

    return read_parquet(layout.linkage_dir / "id_history.parquet")


def _pairs(layout: DataLayout) -> pd.DataFrame:
    from assets.parquet_files import read_parquet

    return read_parquet(layout.linkage_dir / "match_pairs.parquet")


def test_erasing_a_person_removes_the_decisions_about_their_records(world):
    from assets.privacy.erasure import apply_erasures, record_erasure_request

    layout, persons, _ = world
    record_decisions(layout, _pair("crm:1", "shop:9"), "match", "page", persons=persons)
    record_decisions(layout, _pair("crm:3", "shop:8"), "non_match", "page", persons=persons)
    record_erasure_request(layout, email="zw@qq.com")
    apply_erasures(layout)
    left = read_decisions(layout)
    assert left[["id_l", "id_r"]].values.tolist() == [["3", "8"]]


def test_queue_orders_by_uncertainty_times_customer_value_and_drops_decided_pairs():
    config = load_linkage_config()
    review = pd.DataFrame({
        "source_l": ["a", "a", "a"], "id_l": ["1", "2", "3"], "source_r": ["b", "b", "b"], "id_r": ["1", "2", "3"],
        "match_probability": [0.5, 0.5, 0.7],
    })  # fmt: skip
    value = pd.Series({"a\x1f2": 0.0, "a\x1f3": 1e6})
    decided = pd.DataFrame(
        [{"source_l": "a", "id_l": "1", "source_r": "b", "id_r": "1", "label": "non_match"}]
    )
    queue = build_queue(review, decided, value, config)
    # a:3 (fairly sure, but a big customer) before a:2 (a coin toss, no orders); a:1 decided → gone.
    assert queue["id_l"].tolist() == ["3", "2"]
    assert queue["band"].tolist() == ["high", "middle"]


def test_concurrent_writers_lose_no_decision(tmp_path):
    """Four processes (the page, an import, two merges…) append at once: every decision is kept."""
    import subprocess
    import sys

    code = (
        "import sys, pandas as pd\n"
        "from assets.layout import DataLayout\n"
        "from assets.review.decisions import record_decisions\n"
        "layout = DataLayout(root=__import__('pathlib').Path(sys.argv[1]), landing='', config_dir=None)\n"
        "for i in range(10):\n"
        "    record_decisions(layout, pd.DataFrame([{'source_l': 'p' + sys.argv[2], 'id_l': str(i),\n"
        "                     'source_r': 'q', 'id_r': str(i)}]), 'match', 'import')\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(tmp_path), str(k)], cwd=REPO_ROOT) for k in range(4)
    ]
    assert all(p.wait(timeout=300) == 0 for p in procs)
    layout = DataLayout(root=tmp_path, landing="", config_dir=REPO_ROOT / "config")
    log = read_decisions(layout)
    assert len(log) == 40 and log["decision_id"].is_unique


def test_the_review_page_reads_only_the_records_it_needs_and_still_sees_stale_decisions(world):
    from assets.link.io import read_person_glob
    from assets.review.queue import load_review

    layout, persons, _ = world
    only = pd.DataFrame({"source": ["crm", "shop"], "source_record_id": ["3", "8"]})
    read = read_person_glob(layout.silver_glob("person"), only=only)
    assert sorted(read["source"] + ":" + read["source_record_id"]) == ["crm:3", "shop:8"]
    record_decisions(layout, _pair("crm:3", "shop:8"), "non_match", "page", persons=persons)
    config = load_linkage_config(REPO_ROOT / "config" / "linkage.yaml")
    assert load_review(layout, config).decisions["stale"].tolist() == [False]
    write_people(layout.root, pd.DataFrame({"source_record_id": ["9", "8"], "full_name": ["Wei Zhang", "Li Na"],
                                            "email": ["zw@qq.com", "li.na@new.cn"],
                                            "phone_mobile": ["+86 138-1234-5678", "139 1234 5678"],
                                            "birth_date": ["1990-01-02", "1985-03-04"],
                                            "_loaded_at": "2026-01-02T00:00:00"}))  # fmt: skip
    assert load_review(layout, config).decisions["stale"].tolist() == [True]
