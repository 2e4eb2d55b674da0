"""Small-cell suppression of aggregate marts, delivered for real to the Parquet folder target and PostgreSQL."""

import json

import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from pg_server import running_postgres
from privacy_fixtures import COLUMN_TAGS, MARTS, build_warehouse, make_layout, write_manifest

from assets.deliver.aggregates import (
    Aggregate,
    AggregateSpecError,
    CellSuppression,
    Rollup,
    aggregates_from_manifest,
)
from assets.deliver.config import load_delivery_config
from assets.deliver.run import deliver_target
from assets.deliver.targets.postgres import DELIVERIES
from assets.layout import REPO_ROOT
from assets.privacy.audit import read_audit

TABLES = ["dim_customer", "mart_satisfaction"]
DIMENSIONS = ["response_month", "customer_segment", "channel"]
# March: the only two VIP customers who answered on WeChat (one complained), and 7 B2C customers online.
SATISFACTION = pd.DataFrame(
    {
        "response_month": pd.to_datetime(["2026-03-01", "2026-03-01", "2026-04-01"]).date,
        "customer_segment": ["VIP", "B2C", "B2C"],
        "channel": ["wechat", "online", "online"],
        "respondents": pd.array([2, 7, None], dtype="Int64"),  # April: an unknown count is a small one
        "response_count": [2, 9, 6],
        "complaints": [1, 2, 0],
        "nps": [-50.0, 22.2, 10.0],
        "small_sample": [True, False, False],
    }
)
AGGREGATE = {"people_column": "respondents", "dimensions": DIMENSIONS}


def write_aggregate_manifest(path, aggregate: dict = AGGREGATE):
    """The fixture manifest plus mart_satisfaction declared an aggregate in its model meta, as dbt writes it."""
    write_manifest(path, {"dim_customer": COLUMN_TAGS["dim_customer"], "mart_satisfaction": {}})
    manifest = json.loads(path.read_text())
    node = manifest["nodes"]["model.customer360.mart_satisfaction"]
    node["meta"] = {"aggregate": aggregate}
    node["config"] = {"meta": {"aggregate": aggregate}}
    path.write_text(json.dumps(manifest))
    return path


def _config(tmp_path, targets: list[dict]):
    data = yaml.safe_load((REPO_ROOT / "config" / "delivery.yaml").read_text())
    data["dbt_manifest"] = str(write_aggregate_manifest(tmp_path / "target" / "manifest.json"))
    data["targets"] = targets
    path = tmp_path / "delivery.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return load_delivery_config(path)


@pytest.fixture
def layout(tmp_path, monkeypatch):
    monkeypatch.setenv("C360_HMAC_KEY", "test-hmac-key")
    monkeypatch.delenv("C360_ENCRYPTION_KEY", raising=False)
    layout = make_layout(tmp_path / "data")
    build_warehouse(
        layout.warehouse, {"dim_customer": MARTS["dim_customer"], "mart_satisfaction": SATISFACTION}
    )
    return layout


def _last_audit_details(layout) -> dict:
    details = read_audit(layout).iloc[-1]["details"]
    return json.loads(details) if isinstance(details, str) else details


def _folder_target(name: str, policy: str, fmt: str = "parquet") -> dict:
    return {"name": name, "kind": "parquet", "path": f"exports/{name}", "policy": policy, "format": fmt,
            "tables": TABLES}  # fmt: skip


def test_small_cell_suppressed_for_analyst_kept_for_full(tmp_path, layout):
    config = _config(tmp_path, [_folder_target("analyst", "analyst"), _folder_target("crm", "full")])
    assert config.min_cell_size("analyst") == 5 and config.min_cell_size("full") is None
    result = deliver_target(config, "analyst", layout, run_id="run-1", run_date="2026-04-30")
    folder = layout.root / "exports" / "analyst" / "run_date=2026-04-30"
    cells = pd.read_parquet(folder / "mart_satisfaction.parquet")
    assert (
        cells[DIMENSIONS].astype(str).values.tolist() == SATISFACTION[DIMENSIONS].astype(str).values.tolist()
    )
    assert cells["suppressed"].tolist() == [True, False, True]
    measures = ["respondents", "response_count", "complaints", "nps", "small_sample"]
    assert cells.loc[[0, 2], measures].isna().all().all()  # the VIP cell and the unknown count: nothing left
    assert cells.loc[1, measures].tolist() == [7, 9, 2, 22.2, False]
    schema = pq.read_schema(folder / "mart_satisfaction.parquet")
    assert str(schema.field("complaints").type) == "int64" and str(schema.field("suppressed").type) == "bool"
    dim = pd.read_parquet(folder / "dim_customer.parquet")
    assert "suppressed" not in dim.columns and len(dim) == 2  # not an aggregate: untouched

    manifest = json.loads((folder / "_manifest.json").read_text())
    entries = {t["name"]: t for t in manifest["tables"]}
    assert manifest["min_cell_size"] == 5
    assert entries["mart_satisfaction"]["suppressed_cells"] == 2 and entries["mart_satisfaction"]["rows"] == 3
    assert "suppressed_cells" not in entries["dim_customer"]
    assert result.suppressed_cells == {"mart_satisfaction": 2}
    audit = _last_audit_details(layout)
    assert audit["suppressed_cells"] == {"mart_satisfaction": 2} and audit["min_cell_size"] == 5

    deliver_target(config, "crm", layout, run_id="run-2", run_date="2026-04-30")
    folder = layout.root / "exports" / "crm" / "run_date=2026-04-30"
    full = pd.read_parquet(folder / "mart_satisfaction.parquet")
    assert "suppressed" not in full.columns
    assert full["complaints"].tolist() == [1, 2, 0] and full["respondents"].tolist()[:2] == [2, 7]
    manifest = json.loads((folder / "_manifest.json").read_text())
    assert manifest["min_cell_size"] is None
    assert all("suppressed_cells" not in t for t in manifest["tables"])
    assert _last_audit_details(layout)["suppressed_cells"] == {}


def test_csv_export_shows_suppressed_cells_as_blanks(tmp_path, layout):
    config = _config(tmp_path, [_folder_target("analyst_csv", "analyst", "csv")])
    deliver_target(config, "analyst_csv", layout, run_id="run-1", run_date="2026-04-30")
    cells = pd.read_csv(
        layout.root / "exports" / "analyst_csv" / "run_date=2026-04-30" / "mart_satisfaction.csv"
    )
    assert cells["suppressed"].tolist() == [True, False, True]
    assert cells["complaints"].isna().tolist() == [True, False, True]


def test_wrong_aggregate_declaration_refused_before_anything_is_published(tmp_path, layout):
    config = _config(tmp_path, [_folder_target("analyst", "analyst")])
    deliver_target(config, "analyst", layout, run_id="run-1", run_date="2026-04-30")
    folder = layout.root / "exports" / "analyst" / "run_date=2026-04-30"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    write_aggregate_manifest(config.manifest_path(), {"people_column": "people", "dimensions": DIMENSIONS})
    with pytest.raises(
        AggregateSpecError, match=r"mart_satisfaction: meta.aggregate declares columns \['people'\]"
    ):
        deliver_target(config, "analyst", layout, run_id="run-2", run_date="2026-04-30")
    write_aggregate_manifest(
        config.manifest_path(), {"people_column": "respondents", "dimensions": "channel"}
    )
    with pytest.raises(AggregateSpecError, match=r"model mart_satisfaction: meta.aggregate must be"):
        deliver_target(config, "analyst", layout, run_id="run-3", run_date="2026-04-30")
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


@pytest.mark.services
def test_postgres_delivery_suppresses_small_cells(tmp_path, layout, monkeypatch):
    with running_postgres() as dsn:
        monkeypatch.setenv("BI_DSN", dsn)
        schema = f"bi_{tmp_path.name[-12:].lower().replace('-', '_')}"
        config = _config(
            tmp_path,
            [{"name": "bi", "kind": "postgres", "dsn_env": "BI_DSN", "schema": schema, "policy": "analyst",
              "tables": TABLES}],
        )  # fmt: skip
        deliver_target(config, "bi", layout, run_id="run-1", run_date="2026-04-30")
        with psycopg.connect(dsn) as conn:
            rows = conn.execute(
                f"select customer_segment, channel, respondents, complaints, nps, suppressed "
                f"from {schema}.mart_satisfaction order by response_month, customer_segment desc"
            ).fetchall()
            assert rows == [
                ("VIP", "wechat", None, None, None, True),
                ("B2C", "online", 7, 2, 22.2, False),
                ("B2C", "online", None, None, None, True),
            ]
            types = dict(conn.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = %s and table_name = 'mart_satisfaction'", [schema],
            ).fetchall())  # fmt: skip
            assert types["complaints"] == "bigint" and types["suppressed"] == "boolean"
            manifest = conn.execute(f"select manifest from {schema}.{DELIVERIES}").fetchone()[0]
            assert {t["name"]: t.get("suppressed_cells") for t in manifest["tables"]} == {
                "dim_customer": None,
                "mart_satisfaction": 2,
            }
        assert _last_audit_details(layout)["suppressed_cells"] == {"mart_satisfaction": 2}


def test_rollup_mart_suppresses_a_complement_so_totals_do_not_give_the_cell_away(tmp_path, layout):
    """March by segment with its '(all)' total: the 2-person VIP cell alone would be total − B2C − B2B."""
    rollup = pd.DataFrame(
        {
            "response_month": pd.to_datetime(["2026-03-01"] * 4).date,
            "customer_segment": ["VIP", "B2C", "B2B", "(all)"],
            "channel": ["(all)"] * 4,
            "respondents": [2, 7, 6, 15],
            "response_count": [2, 9, 6, 17],
            "complaints": [1, 2, 0, 3],
        }
    )
    build_warehouse(layout.warehouse, {"dim_customer": MARTS["dim_customer"], "mart_satisfaction": rollup})
    config = _config(tmp_path, [_folder_target("analyst", "analyst")])
    cube = {**AGGREGATE, "rollup": {"marker": "(all)", "dimensions": ["customer_segment", "channel"]}}
    write_aggregate_manifest(config.manifest_path(), cube)
    result = deliver_target(config, "analyst", layout, run_id="run-1", run_date="2026-04-30")
    cells = pd.read_parquet(
        layout.root / "exports" / "analyst" / "run_date=2026-04-30" / "mart_satisfaction.parquet"
    )
    # VIP (2 people) and the next smallest part, B2B (6), are hidden; the total still adds up for a BI tool
    assert cells["suppressed"].tolist() == [True, False, True, False]
    assert cells["complaints"].tolist()[1::2] == [2, 3]
    assert result.suppressed_cells == {"mart_satisfaction": 2}


def test_complementary_suppression_leaves_no_relation_with_one_hidden_cell():
    """A segment × channel cube with every margin: after suppression, no total has exactly one hidden part."""
    people = {("A", "x"): 2, ("A", "y"): 9, ("B", "x"): 8, ("B", "y"): 30, ("C", "x"): 6, ("C", "y"): 7}
    rows = [(s, c, n) for (s, c), n in people.items()]
    for s in "ABC":
        rows.append((s, "(all)", sum(n for (s2, _), n in people.items() if s2 == s)))
    for c in "xy":
        rows.append(("(all)", c, sum(n for (_, c2), n in people.items() if c2 == c)))
    rows.append(("(all)", "(all)", sum(people.values())))
    frame = pd.DataFrame(rows, columns=["segment", "channel", "people"])
    spec = Aggregate("people", ("segment", "channel"), Rollup("(all)", ("segment", "channel")))
    hidden = CellSuppression(spec, 5).cells(frame)
    assert hidden[0]  # A-x itself
    is_all = frame[["segment", "channel"]].eq("(all)")
    detail = ~is_all.any(axis=1)
    relations = [  # total of a row / column / the grand total, with its parts
        *((frame.segment == s) for s in "ABC"),
        *((frame.channel == c) for c in "xy"),
        is_all.channel & ~is_all.segment | is_all.all(axis=1),
        is_all.segment & ~is_all.channel | is_all.all(axis=1),
        detail | is_all.all(axis=1),
    ]
    assert all(hidden[r.to_numpy()].sum() != 1 for r in relations)
    assert hidden.sum() < len(frame) - 1  # not everything: the grand total and more stay readable


def test_missing_manifest_and_flag_column_clash_are_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"aggregate marts are unknown; fix: run `dbt parse`"):
        aggregates_from_manifest(tmp_path / "absent.json")
    schema = pa.schema([("channel", pa.string()), ("respondents", pa.int64()), ("suppressed", pa.bool_())])
    with pytest.raises(
        AggregateSpecError, match=r"t: meta.aggregate already has a column named 'suppressed'"
    ):
        Aggregate("respondents", ("channel",)).check("t", schema)
