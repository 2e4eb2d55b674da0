"""The dbt project as Dagster assets: graph wiring, fresh-clone manifest, and a real materialisation."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
from dagster_dbt import DbtProject
from test_marts import PERSONS
from test_marts import write_parquet as write

from assets.dbt.build_order import NODE_SECONDS, read_node_seconds
from assets.dbt.column_rules import night_exclusions
from assets.dbt.defs import (
    DBT_PROJECT_DIR,
    customer360_dbt_assets,
    dbt_project,
    dbt_resource,
    manifest_is_stale,
    prepare,
)
from assets.dbt.keys import dbt_asset_key
from assets.entities import ENTITIES
from assets.settings import Settings
from assets.standardise.silver import empty_silver

os.environ.setdefault("DO_NOT_TRACK", "1")


def key(*parts: str) -> dg.AssetKey:
    return dg.AssetKey(list(parts))


def test_every_model_is_an_asset_keyed_by_layer_and_name_and_grouped_by_folder():
    keys = customer360_dbt_assets.keys
    for layer, name in (
        ("marts", "dim_customer"),
        ("marts", "mart_customer_profile"),
        ("marts", "mart_satisfaction"),
        ("marts", "fct_orders"),
        ("snapshots", "dim_customer_snapshot"),
        ("seeds", "currency_rates"),
        ("staging", "stg_silver__orders"),
    ):
        assert key(layer, name) in keys
    # every dbt key is <layer>/<name>, the layer also being the group: like raw/…, silver/…, delivery/…
    groups = customer360_dbt_assets.group_names_by_key
    assert all(len(k.path) == 2 and groups[k] == f"dbt_{k.path[0]}" for k in keys), sorted(keys)
    assert dbt_asset_key("dim_customer") == key("marts", "dim_customer")
    assert dbt_asset_key("stg_silver__orders") == key("staging", "stg_silver__orders")
    groups = customer360_dbt_assets.group_names_by_key
    assert groups[key("marts", "dim_customer")] == "dbt_marts"
    assert groups[key("staging", "stg_silver__orders")] == "dbt_staging"
    assert groups[key("intermediate", "int_customers_survived")] == "dbt_intermediate"
    assert groups[key("snapshots", "dim_customer_snapshot")] == "dbt_snapshots"


def test_sources_join_the_python_assets():
    deps = customer360_dbt_assets.asset_deps
    assert key("silver", "order") in deps[key("staging", "stg_silver__orders")]
    assert key("silver", "person") in deps[key("staging", "stg_silver__persons")]
    assert key("linkage", "customer_xref") in deps[key("staging", "stg_linkage__customer_xref")]
    assert key("marts", "dim_customer") in deps[key("marts", "mart_customer_profile")]


def test_dbt_tests_are_asset_checks():
    checks = {c.asset_key: c for c in customer360_dbt_assets.check_keys}
    names = {c.name for c in customer360_dbt_assets.check_keys if c.asset_key == key("marts", "dim_customer")}
    # the columns' not_null / unique / accepted_values / value_between: one check per model and severity
    assert {"column_rules_dim_customer", "column_rules_warn_dim_customer"} <= names
    assert any(n.startswith("row_count_reconciles_dim_customer") for n in names)
    assert not any(
        n.startswith(("not_null_", "unique_", "accepted_values_", "value_between_")) for n in names
    )
    assert len(list(customer360_dbt_assets.check_keys)) > 50 and key("marts", "mart_satisfaction") in checks


def test_every_column_rule_is_checked_by_its_models_column_rules_test():
    """The builds leave the per-column rule tests out (selectors.yml): each must have a column_rules test of its
    severity on its model, which runs it."""
    manifest = json.loads(dbt_project.manifest_path.read_text())
    tests = [n for n in manifest["nodes"].values() if n["resource_type"] == "test"]
    kind = {n["unique_id"]: (n.get("test_metadata") or {}).get("name") for n in tests}
    covered = {
        (n["attached_node"], n["config"]["severity"].lower())
        for n in tests
        if kind[n["unique_id"]] == "column_rules"
    }
    excluded = night_exclusions(DBT_PROJECT_DIR / "selectors.yml").split()
    rules = [n for n in tests if f"test_name:{kind[n['unique_id']]}" in excluded]
    assert len(rules) > 150 and len(covered) > 30
    assert [
        n["unique_id"] for n in rules if (n["attached_node"], n["config"]["severity"].lower()) not in covered
    ] == []


def test_fresh_clone_gets_a_manifest_by_dbt_parse(tmp_path):
    clone = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, clone, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    project = DbtProject(project_dir=clone, profiles_dir=clone)
    assert manifest_is_stale(project)
    prepare(project)
    assert project.manifest_path.exists() and not manifest_is_stale(project)
    (clone / "models" / "staging" / "_staging.yml").touch()  # an edited file makes it stale again
    assert manifest_is_stale(project)


def empty_night(root: Path) -> Path:
    """A night where nothing arrived: every silver table written empty (as standardise does), empty
    linkage outputs, no quarantine or manifest files at all."""
    for name, entity in ENTITIES.items():
        write(root / "silver" / name / "run_date=2026-05-31" / "part.parquet", empty_silver(entity))
    write(
        root / "silver" / "person" / "run_date=2026-05-31" / "part.parquet", pd.DataFrame(PERSONS).iloc[0:0]
    )
    text = lambda *cols: {c: pd.Series(dtype="string") for c in cols}  # noqa: E731
    write(
        root / "linkage" / "customer_xref.parquet",
        pd.DataFrame(
            {
                **text("source", "source_record_id", "customer_id"),
                "cluster_size": pd.Series(dtype="Int64"),
                "match_probability": pd.Series(dtype="float64"),
                "linked_at": pd.Series(dtype="datetime64[ns]"),
            }
        ),
    )
    write(
        root / "linkage" / "match_pairs.parquet",
        pd.DataFrame(
            {
                **text("source_l", "id_l", "source_r", "id_r", "decision"),
                "match_weight": pd.Series(dtype="float64"),
                "match_probability": pd.Series(dtype="float64"),
            }
        ),
    )
    write(
        root / "linkage" / "id_history.parquet",
        pd.DataFrame(
            {**text("run_id", "customer_id", "event", "related_ids"), "at": pd.Series(dtype="datetime64[ns]")}
        ),
    )
    return root


def test_materialize_an_empty_night_builds_the_warehouse_and_passes_checks(tmp_path):
    """Through Dagster (resource `dbt`, `settings` pointing at a tmp data dir): every model and check runs; the
    build's node seconds are kept for the next build's order (assets/dbt/build_order.py)."""
    data_dir = empty_night(tmp_path / "data")
    node_seconds = DBT_PROJECT_DIR / "target" / NODE_SECONDS
    node_seconds.unlink(missing_ok=True)
    result = dg.materialize(
        [customer360_dbt_assets],
        resources={"dbt": dbt_resource(), "settings": Settings(data_dir=str(data_dir))},
    )
    assert result.success
    materialized = {
        m.asset_key for m in result.get_asset_materialization_events() for m in [m.materialization]
    }
    assert (
        key("marts", "mart_customer_profile") in materialized
        and key("snapshots", "dim_customer_snapshot") in materialized
    )
    evaluations = result.get_asset_check_evaluations()
    assert len(evaluations) > 50
    assert [e.check_name for e in evaluations if not e.passed] == []
    with duckdb.connect(str(data_dir / "warehouse" / "customer360.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from marts.dim_customer").fetchone() == (0,)
        assert con.execute("select count(*) from marts.mart_dq_quarantine_summary").fetchone() == (0,)
    assert dbt_project.project_dir == DBT_PROJECT_DIR
    # row counts, read after dbt exited (DuckDB: one process on a file being written)
    counts = {
        e.materialization.asset_key: e.materialization.metadata.get("dagster/row_count")
        for e in result.get_asset_materialization_events()
    }
    assert counts[key("marts", "mart_customer_profile")].value == 0
    assert counts[key("seeds", "currency_rates")].value > 0  # a seed with rows
    assert counts[key("staging", "stg_silver__persons")] is None  # a view: counting it would run its query
    assert "model.customer360.int_customers_survived" in read_node_seconds(node_seconds)


def test_descriptions_never_carry_raw_sql():
    for asset_key, description in customer360_dbt_assets.descriptions_by_key.items():
        assert description and "select" not in description.lower(), (asset_key, description)
    from assets.dbt.defs import Customer360DbtTranslator

    bare = {"resource_type": "model", "name": "m", "raw_code": "select 1", "config": {"materialized": "view"},
            "original_file_path": "models/m.sql", "description": ""}  # fmt: skip
    assert Customer360DbtTranslator().get_description(bare) == (
        "dbt model `m` (view), defined in dbt_project/models/m.sql"
    )


def test_old_dbt_target_folders_are_pruned(tmp_path):
    import time

    from assets.dbt.targets import prune_run_targets

    for i in range(7):
        folder = tmp_path / f"customer360_dbt_assets-run{i}-abc"
        folder.mkdir()
        os.utime(folder, (time.time() - 100 + i, time.time() - 100 + i))
    (tmp_path / "manifest.json").write_text("{}")
    removed = prune_run_targets(tmp_path, "customer360_dbt_assets", keep=4)
    assert sorted(p.name for p in removed) == [f"customer360_dbt_assets-run{i}-abc" for i in range(3)]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        *(f"customer360_dbt_assets-run{i}-abc" for i in range(3, 7)),
        "manifest.json",
    ]


def test_a_failing_error_test_blocks_the_models_downstream(tmp_path):
    """match_probability outside [0, 1] is our own bug: its error-severity test fails and dbt builds nothing
    that reads the xref, so no mart is published from it."""
    data_dir = empty_night(tmp_path / "data")
    write(
        data_dir / "linkage" / "customer_xref.parquet",
        pd.DataFrame(
            {
                "source": ["crm"], "source_record_id": ["1"], "customer_id": ["c1"],
                "cluster_size": pd.Series([1], dtype="Int64"), "match_probability": [1.7],
                "linked_at": [pd.Timestamp("2026-05-31")],
            }
        ),
    )  # fmt: skip
    result = dg.materialize(
        [customer360_dbt_assets],
        resources={"dbt": dbt_resource(), "settings": Settings(data_dir=str(data_dir))},
        raise_on_error=False,
    )
    assert not result.success
    failed = [e for e in result.get_asset_check_evaluations() if not e.passed]
    assert [(e.asset_key, e.check_name, e.severity) for e in failed] == [
        (
            key("staging", "stg_linkage__customer_xref"),
            "column_rules_stg_linkage__customer_xref",
            dg.AssetCheckSeverity.ERROR,
        )
    ]
    # the check names the broken column and rule (its query re-run once dbt exited)
    broken = "match_probability: value_between >= 0 and <= 1 (1 row)"
    assert failed[0].metadata["broken_rules"].value == broken
    assert failed[0].description == f"dbt test column_rules_stg_linkage__customer_xref: {broken}"
    assert failed[0].metadata["dagster_dbt/failed_row_count"].value == 1
    materialized = {e.asset_key for e in result.get_asset_materialization_events()}
    assert (
        key("staging", "stg_linkage__customer_xref") in materialized
    )  # the view is built, then its test fails
    assert (
        not {key("marts", "dim_customer"), key("marts", "mart_customer_profile"), key("marts", "fct_orders")}
        & materialized
    )


def test_full_refresh_reaches_dbt_from_the_cli_run_config(tmp_path):
    """`customer360 run --full-refresh` sets the dbt asset's config too: dbt build gets --full-refresh."""
    from assets.dbt.defs import dbt_build_args
    from orchestration.definitions import defs
    from orchestration.jobs import NIGHTLY_JOB
    from orchestration.run_once import FULL_REFRESH_OPS

    settings = Settings(data_dir=str(tmp_path / "data"))
    assert "--full-refresh" not in dbt_build_args(settings)
    assert dbt_build_args(settings, full_refresh=True)[-1] == "--full-refresh"
    # a whole rebuild runs one model at a time: two at once ran out of DuckDB's memory bound at 150k customers
    assert dbt_build_args(settings, full_refresh=True)[-3:-1] == ["--threads", "1"]
    assert "--threads" not in dbt_build_args(settings)
    job = defs.resolve_job_def(NIGHTLY_JOB)
    assert dg.validate_run_config(job, {"ops": FULL_REFRESH_OPS})
    assert FULL_REFRESH_OPS[customer360_dbt_assets.op.name] == {"config": {"full_refresh": True}}


def test_a_second_build_reuses_the_parse_cache_of_the_first(tmp_path):
    """The load-time `dbt parse` has no --vars, so its cache never fits a build; the build's own cache is kept as
    the project's (assets/dbt/targets.py: keep_partial_parse) and the next build with the same vars parses only
    what changed instead of the whole project."""
    data_dir = empty_night(tmp_path / "data")
    resources = {"dbt": dbt_resource(), "settings": Settings(data_dir=str(data_dir))}
    target = DBT_PROJECT_DIR / "target"
    logs = []
    for _ in range(2):
        before = set(target.glob("customer360_dbt_assets-*"))
        result = dg.materialize(
            [customer360_dbt_assets], resources=resources, selection="seeds/currency_rates"
        )
        assert result.success
        (run,) = set(target.glob("customer360_dbt_assets-*")) - before
        logs.append((run / "dbt.log").read_text())
        assert (target / "partial_parse.msgpack").read_bytes() == (run / "partial_parse.msgpack").read_bytes()
    assert "Unable to do partial parsing" not in logs[1]
