"""assets/report: the self-contained HTML run report, its asset and its command."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from assets.ingest.manifest import append_manifest
from assets.layout import DataLayout
from assets.report import build_report
from assets.report.build import make_report
from assets.report.cli import report_command
from assets.report.collect import CONFIDENT, example_matches
from assets.report.defs import REPORT_KEY, build_report_asset
from assets.report.linkage_figures import agreeing_matches
from assets.report.render import fmt
from assets.settings import Settings

RUN_DATE = "2026-03-02"
EVIL = "<script>alert('x')</script>"


def _layout(root: Path) -> DataLayout:
    return DataLayout(root=root, landing=str(root / "landing"), config_dir=root / "config")


def _manifest(layout: DataLayout) -> None:
    at = pd.Timestamp("2026-03-02 01:00", tz="UTC")
    base = {"size": 100, "rows_erased": 0, "encoding": "utf-8", "loaded_at": at}
    append_manifest(
        layout,
        [
            {**base, "source": "salesforce", "key": "salesforce/contacts.csv", "sha256": "a" * 64, "rows_read": 10,
             "rows_valid": 9, "rows_quarantined": 1, "status": "loaded", "error": None, "run_date": RUN_DATE},
            {**base, "source": "fxiaoke", "key": "fxiaoke/客户.csv", "sha256": "b" * 64, "rows_read": 5, "rows_valid": 5,
             "rows_quarantined": 0, "status": "loaded", "error": None, "run_date": RUN_DATE},
            {**base, "source": "fxiaoke", "key": "fxiaoke/broken<b>.csv", "sha256": "c" * 64, "rows_read": 0,
             "rows_valid": 0, "rows_quarantined": 0, "status": "failed", "error": f"schema drift: column 手机 missing, got {EVIL}",
             "run_date": RUN_DATE},
            {**base, "source": "zoho", "key": "zoho/old.csv", "sha256": "d" * 64, "rows_read": 3, "rows_valid": 3,
             "rows_quarantined": 0, "status": "loaded", "error": None, "run_date": "2026-02-01",
             "loaded_at": pd.Timestamp("2026-02-01 01:00", tz="UTC")},
        ],
    )  # fmt: skip


def _quarantine(layout: DataLayout) -> None:
    folder = layout.quarantine("salesforce", RUN_DATE)
    folder.mkdir(parents=True)
    pd.DataFrame(
        {
            "source": ["salesforce", "salesforce"],
            "file": ["salesforce/contacts.csv"] * 2,
            "line": [7, 7],
            "column": ["birth_date", "email"],
            "check": ["date_parseable", "not_empty"],
            "raw_value": ["31/02/1990", ""],
            "reason": ["'31/02/1990' matches none of the date formats", "required value is empty"],
            "run_date": [RUN_DATE, RUN_DATE],
        }
    ).to_parquet(folder / "q.parquet")


def _linkage(layout: DataLayout) -> None:
    layout.linkage_dir.mkdir(parents=True)
    persons = layout.silver("person", RUN_DATE)
    persons.parent.mkdir(parents=True)
    pd.DataFrame(
        {
            "source": ["salesforce", "fxiaoke", "salesforce", "zoho"],
            "source_record_id": ["003A", "FX1", "003B", "Z9"],
            "full_name": ["Wei Zhang", "张伟", EVIL, "Anna Müller"],
            "city": ["Beijing", "北京", "Shanghai", "Berlin"],
            "loaded_at": ["2026-03-02T01:00:00"] * 4,
        }
    ).to_parquet(persons)
    pd.DataFrame(
        {
            "source": ["salesforce", "fxiaoke", "salesforce", "zoho"],
            "source_record_id": ["003A", "FX1", "003B", "Z9"],
            "customer_id": ["C000001", "C000001", "C000002", "C000003"],
            "cluster_size": [2, 2, 1, 1],
            "match_probability": [0.99, 0.99, None, None],
            "linked_at": [pd.Timestamp("2026-03-02", tz="UTC")] * 4,
        }
    ).to_parquet(layout.linkage_dir / "customer_xref.parquet")
    pd.DataFrame(
        {
            "source_l": ["salesforce", "salesforce", "salesforce"],
            "id_l": ["003A", "003A", "003B"],
            "source_r": ["fxiaoke", "zoho", "zoho"],
            "id_r": ["FX1", "Z9", "Z9"],
            "match_weight": [14.2, 1.5, -8.0],
            "match_probability": [0.9999, 0.74, 0.004],
            "decision": ["match", "review", "non_match"],
            "gamma_name": [3, 1, 0],
            "weight_name": [6.1, 0.5, -4.0],
            "gamma_phone": [2, 0, 0],
            "weight_phone": [8.1, 1.0, -4.0],
        }
    ).to_parquet(layout.linkage_dir / "match_pairs.parquet")
    pd.DataFrame(
        {"source_l": ["salesforce"], "id_l": ["003A"], "source_r": ["zoho"], "id_r": ["Z9"]}
    ).to_parquet(layout.linkage_dir / "review_queue.parquet")
    pd.DataFrame(
        {
            "run_id": ["r1", "r1", "r2", "r2", "r2"],
            "customer_id": ["C000001", "C000002", "C000001", "C000003", "C000004"],
            "event": ["created", "created", "merged", "created", "created"],
            "related_ids": [[], [], ["C000009"], [], []],
            "at": pd.to_datetime(
                ["2026-03-01", "2026-03-01", "2026-03-02", "2026-03-02", "2026-03-02"], utc=True
            ),
        }
    ).to_parquet(layout.linkage_dir / "id_history.parquet")


def _warehouse(layout: DataLayout) -> None:
    layout.warehouse.parent.mkdir(parents=True)
    with duckdb.connect(str(layout.warehouse)) as con:
        con.execute("create schema marts")
        con.execute(
            "create table marts.dim_customer as select * from (values ('C000001', 2), ('C000002', 1), ('C000003', 1))"
            " t(customer_id, source_record_count)"
        )
        # C000002's only order was cancelled: not a buying customer (mart_customer_profile.order_count = 0)
        con.execute(
            "create table marts.mart_customer_profile as select * from (values ('C000001', 2), ('C000002', 0),"
            " ('C000003', 1)) t(customer_id, order_count)"
        )
        # a cancelled line is not revenue: 100 + 50.5 + 20 CNY
        con.execute(
            "create table marts.fct_orders as select * from (values ('C000001', 100.0, 'CNY', true),"
            " ('C000001', 50.5, 'CNY', true), ('C000003', 20.0, 'CNY', true), ('C000002', 999.0, 'CNY', false))"
            " t(customer_id, amount_reporting, reporting_currency, is_revenue)"
        )
        # Jan: 2 promoters, 1 detractor of 4 answers → NPS 25; CSAT 2 of 3 scored ≥4 → 66.7
        con.execute(
            "create table marts.fct_survey_responses as select customer_id, cast(submitted_at as timestamp) submitted_at,"
            " nps_score, csat_score from (values ('C000001', '2026-01-05', 10, 5), ('C000002', '2026-01-09', 9, 4),"
            " ('C000003', '2026-01-20', 3, 1), ('C000003', '2026-01-21', 7, null), ('C000001', '2026-02-02', 10, 5))"
            " t(customer_id, submitted_at, nps_score, csat_score)"
        )  # fmt: skip


@pytest.fixture
def full_layout(tmp_path: Path) -> DataLayout:
    layout = _layout(tmp_path / "data")
    _manifest(layout)
    _quarantine(layout)
    _linkage(layout)
    _warehouse(layout)
    return layout


class _Sections(HTMLParser):
    """Section ids, h2/h3 titles and the text of the page, as a browser would lay them out."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.scripts = 0
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.scripts += tag == "script"
        self.ids += [v for k, v in attrs if k == "id" and v]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(path: Path) -> _Sections:
    parser = _Sections()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_full_report_has_every_section_with_the_figures(full_layout: DataLayout) -> None:
    path = build_report(full_layout, run_id="run-123")
    assert path == full_layout.reports / f"run_report_{RUN_DATE}.html"  # newest run_date in the manifest
    assert (full_layout.reports / "latest.html").read_bytes() == path.read_bytes()
    page = _parse(path)
    assert {"data-quality", "linkage", "marts", "charts"} <= set(page.ids)
    assert page.scripts == 0  # the <script> customer name is text, not markup
    text = " ".join(" ".join(page.text).split())
    html = path.read_text(encoding="utf-8")
    assert "got &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "not produced yet" not in text
    # data quality: the failed file with its reason, only this run_date's files counted
    assert "fxiaoke/broken<b>.csv" in text and "schema drift: column 手机 missing" in text
    assert re.search(r"2 files loaded|2 files_loaded|\b2 files loaded", text.replace("_", " "))
    assert "'31/02/1990' matches none of the date formats" in text
    # linkage: records, customers, pair decisions, the example match with names and evidence
    assert "4 records" in text and "3 customers" in text and "1 review queue" in text
    assert "W*** Z***" in text and "张*" in text and "weight_phone" in text and "gamma_phone" not in text
    assert "Wei Zhang" not in text and "张伟" not in text  # names masked: the report is a file on disk
    assert "merged" in text  # what changed in the last linkage run (r2)
    # marts: customers, revenue, NPS by month computed from the responses
    assert "3 customers" in text and "170.5 revenue (CNY)" in text and "4 order lines" in text
    assert "2 buying customers" in text and "2 largest cluster" in text  # as the marts count them
    assert "another linkage run" not in text
    assert "2026-01 4 25 66.7" in text
    assert html.count("<svg") == 4  # quarantine, cluster sizes, match weights, NPS trend


def test_report_on_an_empty_data_dir_says_what_is_missing(tmp_path: Path) -> None:
    layout = _layout(tmp_path / "empty")
    path = build_report(layout, run_date="2026-03-05")
    text = " ".join(_parse(path).text)
    for what in (
        "File manifest (ingest)",
        "Quarantine",
        "Linkage (linkage/customer_xref)",
        "Warehouse marts (dbt)",
    ):
        assert f"{what} not produced yet" in text
    assert "No chart yet" in text


def test_unreadable_layer_is_reported_not_raised(full_layout: DataLayout) -> None:
    (full_layout.linkage_dir / "customer_xref.parquet").write_bytes(b"not parquet at all")
    report = make_report(full_layout)
    assert report.linkage.problem.startswith("Linkage outputs could not be read")
    assert "could not be read" in report.path.read_text(encoding="utf-8")
    assert report.marts.produced  # the rest of the report still renders


def test_warehouse_is_not_held_open(full_layout: DataLayout) -> None:
    make_report(full_layout)
    with duckdb.connect(str(full_layout.warehouse)) as writer:  # dbt must be able to write right after
        writer.execute("create table marts.after_report as select 1 as x")


def _agreeing(pairs: pd.DataFrame, xref: pd.DataFrame, n: int) -> pd.DataFrame:
    """What the report hands example_matches: the confident matches that ended in one customer."""
    return agreeing_matches(pa.Table.from_pandas(pairs), pa.Table.from_pandas(xref), CONFIDENT, n)


def test_example_matches_are_confident_pairs_that_ended_in_one_customer() -> None:
    pairs = pd.DataFrame(
        {
            "source_l": ["a"] * 6,
            "id_l": list("123456"),
            "source_r": ["b", "b", "b", "c", "b", "b"],
            "id_r": list("uvwxyz"),
            "match_weight": [14.0, 3.0, 15.0, 9.0, 13.0, -2.0],
            "match_probability": [0.9999, 0.80, 0.9999, 0.995, 0.999, 0.01],
            "decision": ["match", "match", "match", "match", "match", "non_match"],
            "weight_email": [9.0, 1.0, 9.0, 8.0, 9.0, -3.0],
        }
    )
    xref = pd.DataFrame(  # a-3 / b-w matched, but clustering kept them apart: not an example of a merge
        {
            "source": list("aaaaaa") + list("bbbcbb"),
            "source_record_id": list("123456") + list("uvwxyz"),
            "customer_id": ["C1", "C2", "C3", "C4", "C5", "C6", "C1", "C2", "C9", "C4", "C5", "C7"],
        }
    )
    names = pd.DataFrame(
        {"source": ["a"], "source_record_id": ["1"], "full_name": ["L* N*"], "city": ["Wuhan"]}
    )
    out = example_matches(_agreeing(pairs, xref, 2), names, n=2)
    # the strongest trusted pair of each pair of sources: never the borderline 0.80 nor the split pair
    assert list(zip(out["id_l"], out["id_r"], strict=True)) == [("1", "u"), ("4", "x")]
    assert out["name_l"].tolist()[0] == "L* N*" and "weight_email" in out.columns
    assert example_matches(_agreeing(pairs, xref, 6), names, n=6)["id_l"].tolist() == ["1", "4", "5"]


def test_example_matches_look_past_the_strongest_pairs_that_were_split() -> None:
    # the five strongest a-b matches ended in different customers; only the sixth joined one: still found
    # (candidates are checked against the customer file a few per pair of sources at a time)
    pairs = pd.DataFrame(
        {
            "source_l": ["a"] * 7,
            "id_l": list("1234567"),
            "source_r": ["b"] * 7,
            "id_r": list("uvwxyzq"),
            "match_weight": [20.0, 19.0, 18.0, 17.0, 16.0, 15.0, 14.0],
            "match_probability": [0.9999] * 7,
            "decision": ["match"] * 7,
        }
    )
    xref = pd.DataFrame(
        {
            "source": list("aaaaaaa") + list("bbbbbbb"),
            "source_record_id": list("1234567") + list("uvwxyzq"),
            "customer_id": [
                *("C1", "C2", "C3", "C4", "C5", "C6", "C7"),
                *("D1", "D2", "D3", "D4", "D5", "C6", "C7"),
            ],
        }
    )
    names = pd.DataFrame(columns=["source", "source_record_id", "full_name", "city"])
    assert example_matches(_agreeing(pairs, xref, 1), names, n=1)["id_l"].tolist() == ["6"]
    asked = []
    out = example_matches(_agreeing(pairs, xref, 2), lambda records: asked.append(records) or names, n=2)
    assert out["id_l"].tolist() == ["6", "7"]
    assert sorted(asked[0]["source_record_id"]) == ["6", "7", "q", "z"]  # names read for the picks only


def test_report_says_when_linkage_and_marts_disagree(full_layout: DataLayout) -> None:
    with duckdb.connect(str(full_layout.warehouse)) as con:
        con.execute("update marts.dim_customer set source_record_count = 5 where customer_id = 'C000001'")
    text = " ".join(" ".join(_parse(build_report(full_layout)).text).split())
    assert (
        "The marts were built from another linkage run: largest cluster 2 in linkage/customer_xref vs 5 in"
        " dim_customer." in text
    )


def test_asset_materializes_with_metadata_linking_the_file(full_layout: DataLayout) -> None:
    result = dg.materialize(
        [build_report_asset(deps=[])],
        resources={"settings": Settings(data_dir=str(full_layout.root))},
        tags={"dagster/partition": RUN_DATE},
    )
    assert result.success
    [event] = result.get_asset_materialization_events()
    assert event.asset_key == REPORT_KEY
    meta = event.materialization.metadata
    assert meta["report"].value == str(full_layout.reports / f"run_report_{RUN_DATE}.html")
    assert meta["report_url"].value.startswith("file://")
    assert meta["linkage/customers"].value == 3
    assert meta["files/files_failed"].value == 1
    assert "data:image/svg+xml;base64," in meta["cluster_size_distribution"].value


def test_report_command_writes_to_the_folder_given(
    full_layout: DataLayout, tmp_path: Path, monkeypatch
) -> None:
    import typer

    app = typer.Typer()
    app.command()(report_command)
    monkeypatch.setenv("C360_DATA_DIR", str(full_layout.root))
    out = tmp_path / "elsewhere"
    result = CliRunner().invoke(app, ["--out", str(out), "--date", "2026-02-01"])
    assert result.exit_code == 0, result.output
    path = out / "run_report_2026-02-01.html"
    assert (out / "latest.html").read_bytes() == path.read_bytes()
    text = " ".join(" ".join(_parse(path).text).split()).replace("_", " ")
    # Only 2026-02-01's files and quarantine: its one loaded file, none of 2026-03-02's (2 loaded, 1 failed,
    # a quarantined date) — an ignored --date would show those.
    assert re.search(r"\b1 files loaded", text), text[:400]
    assert "broken<b>.csv" not in text and "2 files loaded" not in text
    assert "'31/02/1990' matches none of the date formats" not in text


def test_cells_are_formatted_and_cut() -> None:
    assert fmt(1234567) == "1,234,567" and fmt(0.99991) == "0.9999" and fmt(float("nan")) == ""
    assert fmt(["a@x.cn", "b@y.cn"]) == "a@x.cn, b@y.cn" and fmt(None) == ""
    long = fmt("x" * 5000)  # a hostile error message or free-text column
    assert len(long) == 240 and long.endswith("…")


def test_sections_computed_ahead_are_taken_unless_their_files_changed(full_layout: DataLayout) -> None:
    """assets/report/build.py: the sections that do not read the warehouse, started in the background once the
    linkage check has passed, give the report of a run that computes them in its step; a quarantine file
    written after they were started is read again."""
    import threading

    from assets import background
    from assets.report import build

    here = build.make_report(full_layout, run_id="run-1", run_date=RUN_DATE)
    computed: list[str] = []
    real = build.early_sections

    def counted(layout: DataLayout, run_date: str) -> dict:
        computed.append(threading.current_thread().name)
        return real(layout, run_date)

    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(build, "early_sections", counted)
        with background.background_run(build.planned_early_sections(full_layout, RUN_DATE, "the check")):
            background.reached("the check")
            background._started[-1].join()
            ahead = build.make_report(full_layout, run_id="run-1", run_date=RUN_DATE)
        assert len(computed) == 1 and computed[0].startswith("background:")
        for name in ("files", "quarantine", "linkage"):
            assert getattr(ahead, name).figures == getattr(here, name).figures, name

        with background.background_run(build.planned_early_sections(full_layout, RUN_DATE, "the check")):
            background.reached("the check")
            background._started[-1].join()
            extra = full_layout.quarantine("hubspot", RUN_DATE)
            extra.mkdir(parents=True)
            shutil.copy(full_layout.quarantine("salesforce", RUN_DATE) / "q.parquet", extra / "q.parquet")
            again = build.make_report(full_layout, run_id="run-1", run_date=RUN_DATE)
        assert len(computed) == 3 and computed[2] == threading.current_thread().name
        assert again.quarantine.figures["failures"] == 2 * here.quarantine.figures["failures"]
