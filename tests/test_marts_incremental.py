"""Incremental marts: a second night that touches a few customers rebuilds only their rows, and the result equals
a full-refresh build of the same state (dbt_project/macros/incremental_marts.sql).

Night 1 is the sample through the real Python steps into silver, linked by its ground truth, built by dbt. Night 2
merges one customer into another, erases a third (its records leave the customer file and silver, not the
warehouse: the marts must drop it themselves) and delivers a new order line for a fourth. The same state is then
built twice: incrementally on night 1's warehouse and with `--full-refresh` on a copy.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from test_marts import dbt
from test_marts_sample import linked_sample

pytestmark = pytest.mark.slow
VARS = {
    "as_of_date": "2026-11-27"
}  # pinned: a moving as_of_date rewrites every buyer's recency (tested apart)
INCREMENTAL = {
    "intermediate": ["int_customers_survived"],
    "marts": ["fct_orders", "fct_interactions", "fct_survey_responses", "fct_campaign_participation",
              "fct_feedback", "dim_customer", "bridge_customer_contact_points", "mart_source_row_crosswalk",
              "mart_customer_profile"],
}  # fmt: skip
COMPARED = {
    **INCREMENTAL,
    "marts": [*INCREMENTAL["marts"], "mart_satisfaction", "mart_customer_kpis", "mart_customer_kpis_monthly"],
}  # fmt: skip


DBT_OWN_SNAPSHOT = json.dumps({**VARS, "snapshot_changed_keys_only": False})


def build(data: Path, work: Path, *extra: str) -> dict[str, int]:
    """dbt build; returns the rows each incremental model rebuilt (its logged batch; absent on a full build)."""
    result = dbt(["build", *extra], data, work, None if "--vars" in extra else VARS)
    assert result.returncode == 0, result.stdout[-6000:]
    batches = re.findall(r"incremental batch: (\w+) (\d+) rows", result.stdout)
    return {name: int(rows) for name, rows in batches}


def query(data: Path, sql: str, parameters: list | None = None) -> pd.DataFrame:
    with duckdb.connect(str(data / "warehouse" / "customer360.duckdb"), read_only=True) as con:
        return con.execute(sql, parameters).df()


def table(data: Path, schema: str, name: str) -> pd.DataFrame:
    frame = query(data, f"select * from {schema}.{name}")
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def rewrite_silver(data: Path, drop: set[tuple[str, str]]) -> None:
    """Remove the rows of the given (source, person record) from every silver file (an erasure's zone part)."""
    for path in (data / "silver").rglob("*.parquet"):
        frame = pd.read_parquet(path)
        person = "source_record_id" if path.parts[-3] == "person" else "person_source_record_id"
        keys = list(zip(frame["source"].astype(str), frame[person].astype(str), strict=True))
        keep = [k not in drop for k in keys]
        if not all(keep):
            frame[keep].to_parquet(path, index=False)


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    root = tmp_path_factory.mktemp("incremental")
    data = root / "data"
    xref = linked_sample(data, customers=150)
    # a row the engine leaves unlinked (no identity): customer_id null, in no customer's marts on any night
    unlinked = xref[xref["source"] != "orders"].sort_values("customer_id").index[-1]
    xref.loc[unlinked, "customer_id"] = None
    xref.to_parquet(data / "linkage" / "customer_xref.parquet", index=False)
    # pick customers with orders so every fact and the profile see night 2's change
    orders = pd.read_parquet(next((data / "silver" / "order").rglob("*.parquet")))
    linked = orders.merge(
        xref, left_on=["source", "person_source_record_id"], right_on=["source", "source_record_id"]
    )
    buyers = sorted(linked["customer_id"].unique())
    keeper, absorbed, erased, buyer, rescored = buyers[:5]
    # an order line delivered first for the keeper's person, then again for an untouched customer's: the line is
    # the untouched one's, also on the night that touches the keeper (a fact keeps each key's latest delivery)
    redelivered = older_delivery_of(linked, orders.columns, of=buyers[5], by=keeper)
    older = data / "silver" / "order" / "run_date=2026-11-20"
    older.mkdir(parents=True)
    redelivered.to_parquet(older / "part.parquet", index=False)
    # a complaint by a person linked to no customer, delivered again on night 2 as an inquiry: no feedback then
    interactions = pd.read_parquet(next((data / "silver" / "interaction").rglob("*.parquet")))
    complaint = unlinked_complaint(interactions)
    older_interactions = data / "silver" / "interaction" / "run_date=2026-11-20"
    older_interactions.mkdir(parents=True)
    complaint.to_parquet(older_interactions / "part.parquet", index=False)
    assert build(data, root / "night1") == {}  # a first build is a full one
    assert len(query(data, UNLINKED_FEEDBACK)) == 1

    # the records night 2 re-links (the erased customer's are gone)
    moved = int(xref["customer_id"].isin([absorbed, rescored]).sum())
    xref.loc[xref["customer_id"] == absorbed, "customer_id"] = keeper
    # a full re-link scores a customer's records anew (same customer): dim_customer and the crosswalk publish it
    xref.loc[xref["customer_id"] == rescored, "match_probability"] = 0.777
    gone = xref[xref["customer_id"] == erased]
    xref = xref[xref["customer_id"] != erased]
    xref["cluster_size"] = (
        xref["customer_id"].map(xref["customer_id"].value_counts()).fillna(1).astype("int64")
    )
    xref.to_parquet(data / "linkage" / "customer_xref.parquet", index=False)
    rewrite_silver(data, set(zip(gone["source"], gone["source_record_id"], strict=True)))
    new_line = linked[linked["customer_id"] == buyer].head(1)[orders.columns].copy()
    new_line["order_id"] = new_line["order_id"].astype(str) + "-N2"
    new_line["_loaded_at"] = pd.Timestamp.now(tz="UTC")
    new_line["_run_date"] = "2026-11-28"
    night2 = data / "silver" / "order" / "run_date=2026-11-28"
    night2.mkdir(parents=True)
    new_line.to_parquet(night2 / "part.parquet", index=False)
    inquiry = complaint.assign(
        interaction_type="inquiry", _run_date="2026-11-28", _loaded_at=pd.Timestamp.now(tz="UTC")
    )
    (data / "silver" / "interaction" / "run_date=2026-11-28").mkdir(parents=True)
    inquiry.to_parquet(data / "silver" / "interaction" / "run_date=2026-11-28" / "part.parquet", index=False)

    full = root / "full"
    shutil.copytree(data, full / "data")
    shutil.copytree(data, root / "before_night2" / "data")
    batches = build(data, root / "night2")
    # the full rebuild's snapshot takes dbt's own comparison of every customer (macros/snapshot_in_scope.sql)
    assert build(full / "data", full, "--full-refresh", "--vars", DBT_OWN_SNAPSHOT) == {}
    return {
        "data": data, "full": full / "data", "batches": batches,
        "keeper": keeper, "absorbed": absorbed, "erased": erased, "buyer": buyer, "rescored": rescored,
        "root": root, "redelivered": redelivered, "redelivered_to": buyers[5], "moved": moved,
    }  # fmt: skip


UNLINKED_FEEDBACK = "select * from marts.fct_feedback where origin_id = 'INT-UNLINKED'"


def unlinked_complaint(interactions: pd.DataFrame) -> pd.DataFrame:
    """A complaint of a person linkage never saw (linked to no customer), delivered before the sample's night."""
    row = interactions.head(1).copy()
    row["interaction_id"] = "INT-UNLINKED"
    row["person_source_record_id"] = "r:unlinked-complaint"
    row["customer_ref"] = None
    row["interaction_type"] = "complaint"
    row["_run_date"] = "2026-11-20"
    row["_loaded_at"] = pd.Timestamp("2026-11-20", tz="UTC")
    return row


def older_delivery_of(linked: pd.DataFrame, columns: pd.Index, of: str, by: str) -> pd.DataFrame:
    """An earlier delivery of one of customer `of`'s order lines, made by a person of customer `by` (same source):
    a line with its own line number, else a one-line order (numbered 1 in either file)."""
    mine = linked[linked["customer_id"] == of]
    single = mine.groupby(["source", "order_id"])["order_id"].transform("size") == 1
    line = mine[mine["line_no_int"].notna() | single].head(1)
    person = linked[(linked["customer_id"] == by) & (linked["source"] == line["source"].iloc[0])].head(1)
    assert len(line) == len(person) == 1
    older = line[list(columns)].copy()
    older["person_source_record_id"] = person["person_source_record_id"].iloc[0]
    older["customer_ref"] = person["customer_ref"].iloc[0]
    older["_run_date"] = "2026-11-20"
    older["_loaded_at"] = pd.Timestamp("2026-11-20", tz="UTC")
    return older


def test_incremental_marts_equal_a_full_refresh(nights):
    for schema, names in COMPARED.items():
        for name in names:
            got, want = table(nights["data"], schema, name), table(nights["full"], schema, name)
            pd.testing.assert_frame_equal(got, want, check_dtype=False, obj=name)


def test_a_line_delivered_again_for_another_customer_stays_with_its_latest_delivery(nights):
    """Night 2 touches the keeper, whose person made an earlier delivery of an untouched customer's order line:
    the facts read every delivery of the keys they rebuild (macros/linked_rows.sql), so the line stays the
    untouched customer's, as in the full rebuild."""
    key = nights["redelivered"].iloc[0]
    for data in (nights["data"], nights["full"]):
        owner = query(
            data,
            "select customer_id from marts.fct_orders where source = ? and order_id = ?",
            [key["source"], str(key["order_id"])],
        )
        # every line of that order is the untouched customer's (the line picked may be one of several)
        assert len(owner) >= 1 and set(owner["customer_id"]) == {nights["redelivered_to"]}, data


def test_an_unlinked_complaint_delivered_again_as_an_inquiry_leaves_the_feedback(nights):
    """A fact's rows linked to no customer are deleted and rebuilt every night (no customer is touched by them), so
    a key delivered again with another meaning leaves nothing behind, as in the full rebuild."""
    for data in (nights["data"], nights["full"]):
        assert query(data, UNLINKED_FEEDBACK).empty, data
        interaction = query(
            data, "select * from marts.fct_interactions where interaction_id = 'INT-UNLINKED'"
        )
        assert (
            list(interaction["interaction_type"]) == ["inquiry"] and interaction["customer_id"].isna().all()
        )


def test_merged_and_erased_customers_leave_every_incremental_mart(nights):
    for schema, names in INCREMENTAL.items():
        for name in names:
            ids = set(table(nights["data"], schema, name)["customer_id"])
            assert nights["absorbed"] not in ids, name
            assert nights["erased"] not in ids, name
    touched = table(nights["data"], "intermediate", "int_customers_touched")
    want = {nights[k] for k in ("keeper", "absorbed", "erased", "buyer", "rescored")}
    assert set(touched["customer_id"]) == want


def test_the_second_night_rebuilds_only_the_touched_customers_rows(nights):
    """Night 2 rebuilds exactly the rows of the touched customers still there (the merge's keeper, the new
    order's buyer, the re-scored one); the profile also the few customers whose RFM quintile or value tier the
    merge moved."""
    touched = {nights["keeper"], nights["buyer"], nights["rescored"]}
    for schema, names in INCREMENTAL.items():
        for name in names:
            rows = table(nights["data"], schema, name)
            mine = rows["customer_id"].isin(touched) | rows["customer_id"].isna()
            if name == "mart_customer_profile":
                assert mine.sum() <= nights["batches"][name] < len(rows) / 4
            else:
                assert nights["batches"][name] == mine.sum() < len(rows) / 4, name


def test_a_night_with_nothing_new_rebuilds_nothing(nights, tmp_path):
    """Nothing is rebuilt but the crosswalk's and the facts' rows linked to no customer (rebuilt every night: an
    erased unlinked row has no customer whose touch would remove it)."""
    batches = build(nights["data"], tmp_path)
    want = {name: 0 for names in [*INCREMENTAL.values(), ["int_marts_built_records"]] for name in names}
    for name in ["mart_source_row_crosswalk", *(n for n in INCREMENTAL["marts"] if n.startswith("fct_"))]:
        want[name] = int(table(nights["data"], "marts", name)["customer_id"].isna().sum())
    assert want["mart_source_row_crosswalk"] > 0 and want["fct_interactions"] > 0
    assert batches == want
    assert table(nights["data"], "intermediate", "int_customers_touched").empty


def test_a_night_tests_its_own_rows_and_counts_every_row(nights):
    """On an incremental night the row tests of an incremental mart read only the rows it rebuilt (the touched
    customers' and the unlinked ones); a --full-refresh build tests every row (macros/night_tests.sql)."""

    def compiled(work: Path, test: str) -> str:
        return next((work / "target" / "compiled").rglob(f"{test}*.sql")).read_text()

    night = compiled(nights["root"] / "night2", "column_rules_fct_orders")
    full = compiled(nights["full"].parent, "column_rules_fct_orders")
    assert "int_customers_touched" in night and "int_customers_touched" not in full
    reconcile = compiled(nights["root"] / "night2", "row_count_reconciles_fct_orders")
    assert "int_customers_touched" not in reconcile  # counts every row, every night
    staging = compiled(nights["root"] / "night2", "column_rules_stg_silver__orders")
    assert "int_customers_touched" not in staging  # not an incremental model


def test_a_nights_view_key_tests_are_left_to_the_facts_that_check_the_same_rows(nights):
    """The uniqueness of a linked view's key is checked, on a night, by its fact's key on the rows the night
    rebuilt (fct_orders.order_line_id hashes the view's key): the view's own test, which would recompute the view
    over every silver row, reads no row; --full-refresh reads every row (macros/night_tests.sql, night_checker)."""

    def compiled(work: Path) -> str:
        found = (work / "target" / "compiled").rglob("unique_combination_int_orders_linked_*.sql")
        return " ".join(next(found).read_text().split())

    assert 'int_orders_linked" where false) dbt_subquery' in compiled(nights["root"] / "night2")
    assert "where false" not in compiled(nights["full"].parent)


def test_a_row_doubled_outside_the_nights_customers_fails_the_night(nights, tmp_path):
    """The night's row tests skip the untouched rows, so a broken earlier build must still be caught: an order
    line of an untouched customer copied into fct_orders fails the night's row-count reconciliation."""
    data = tmp_path / "data"
    shutil.copytree(nights["data"], data)
    untouched = sorted(
        set(table(data, "marts", "fct_orders")["customer_id"].dropna())
        - {nights[k] for k in ("keeper", "absorbed", "erased", "buyer", "rescored")}
    )[0]
    with duckdb.connect(str(data / "warehouse" / "customer360.duckdb")) as con:
        con.execute(
            "insert into marts.fct_orders select * from marts.fct_orders where customer_id = ? limit 1",
            [untouched],
        )
    result = dbt(["build"], data, tmp_path, VARS)
    assert result.returncode != 0
    assert re.search(r"FAIL \d+ row_count_reconciles_fct_orders", result.stdout), result.stdout[-3000:]


def test_the_snapshot_compares_only_the_changed_customers_and_equals_dbts_own(nights):
    """Night 2's snapshot hands dbt's comparison only the customers whose checked fields changed, who appeared or
    who left (macros/snapshot_in_scope.sql); its rows equal those of dbt's own comparison of every customer (the
    full rebuild's): the absorbed and erased customers are closed by a deletion record, an untouched customer keeps
    its one version."""
    columns = "* exclude (dbt_scd_id, dbt_updated_at, dbt_valid_from, dbt_valid_to), dbt_valid_to is null as current"
    got, want = (
        query(data, f"select {columns} from snapshots.dim_customer_snapshot").sort_values(
            ["customer_id", "current"]
        )
        for data in (nights["data"], nights["full"])
    )
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True), check_dtype=False)
    current = got[got["current"]].set_index("customer_id")
    for gone in ("absorbed", "erased"):
        assert current.loc[nights[gone], "dbt_is_deleted"] == "True", gone
    versions = got.groupby("customer_id").size()
    untouched = sorted(
        set(versions.index) - {nights[k] for k in ("keeper", "absorbed", "erased", "buyer", "rescored")}
    )
    assert (versions[untouched] == 1).all()
    log = (nights["root"] / "night2" / "logs" / "dbt.log").read_text()
    changed = re.search(
        r"snapshot in scope: dim_customer_snapshot (\d+) changed keys of the touched customers", log
    )
    changed = int(changed.group(1))  # the join itself read the touched customers only
    # the absorbed and erased ones (the keeper when its fields moved): not every customer
    assert 2 <= changed < len(versions) / 4


def test_a_nights_record_and_key_filters_are_semi_joins_not_correlated_subqueries(nights):
    """The night's restriction of the silver rows to its records (int_customers_survived, the contact points) and to
    its keys (the facts) is an uncorrelated `in`: a correlated `exists` is planned by DuckDB as a delim join, which
    cost survivorship ~10%, fct_orders ~20% and the contact points ~75% more CPU on a 1% night at 150k customers."""
    compiled = nights["root"] / "night2" / "target" / "compiled"
    with duckdb.connect(str(nights["data"] / "warehouse" / "customer360.duckdb"), read_only=True) as con:
        for model in ["int_customers_survived", "fct_orders", "fct_interactions", "bridge_customer_contact_points"]:  # fmt: skip
            sql = next(compiled.rglob(f"{model}.sql")).read_text()
            assert "int_customers_touched" in sql, model  # the night's SQL
            plan = " ".join(str(row[1]) for row in con.execute(f"explain {sql}").fetchall())
            assert "DELIM" not in plan, model


def test_the_staging_views_cast_each_load_time_once_to_each_rows_own_value(nights):
    """A silver file is loaded at one instant, so the staging views convert each distinct `_loaded_at` (a UTC
    instant) to the zone's wall clock once and join it back (macros/row_helpers.sql, silver_rows) instead of once per
    row (ICU: 0.085 s per scan of the 464k order lines at 150k customers, paid by every model that scans them).
    Every row keeps the value its own cast gives, across the nights' several loads."""
    entities = {"stg_silver__orders": "order", "stg_silver__interactions": "interaction",
                "stg_silver__contacts": "contact", "stg_silver__enrichments": "enrichment",
                "stg_silver__survey_responses": "survey_response", "stg_silver__campaign_members": "campaign_member"}  # fmt: skip
    with duckdb.connect(str(nights["data"] / "warehouse" / "customer360.duckdb"), read_only=True) as con:
        con.execute("set TimeZone = ?", [os.environ.get("C360_TIMEZONE", "Asia/Shanghai")])
        for model, entity in entities.items():
            files = f"{nights['data']}/silver/{entity}/*/*.parquet"
            loads = con.execute(f"select count(distinct _loaded_at) from read_parquet('{files}')").fetchone()[
                0
            ]
            assert loads >= 1, model
            differing = con.execute(
                f"""select count(*) from (
                    (select loaded_from_file, loaded_from_line, loaded_at from staging.{model}
                     except all
                     select _file, _line, try_cast(_loaded_at as timestamp)
                     from read_parquet('{files}', hive_partitioning = true, union_by_name = true))
                    union all
                    (select _file, _line, try_cast(_loaded_at as timestamp)
                     from read_parquet('{files}', hive_partitioning = true, union_by_name = true)
                     except all
                     select loaded_from_file, loaded_from_line, loaded_at from staging.{model}))"""
            ).fetchone()[0]
            assert differing == 0, model
            plan = " ".join(
                str(row[1])
                for row in con.execute(f"explain select max(loaded_at) from staging.{model}").fetchall()
            )
            assert "HASH_GROUP_BY" in plan, model  # the load times grouped, then joined back
        orders = f"{nights['data']}/silver/order/*/*.parquet"
        assert (
            con.execute(f"select count(distinct _loaded_at) from read_parquet('{orders}')").fetchone()[0] >= 2
        )


def test_the_last_builds_records_are_rewritten_only_where_they_moved(nights):
    """int_marts_built_records is rewritten for the records night 2 moved, re-scored or erased only (not all of
    them), and equals the customer file's linked records as a full rebuild does."""
    records = table(nights["data"], "intermediate", "int_marts_built_records")
    assert nights["batches"]["int_marts_built_records"] == nights["moved"] < len(records) / 4
    pd.testing.assert_frame_equal(
        records, table(nights["full"], "intermediate", "int_marts_built_records"), check_dtype=False
    )
    assert len(table(nights["data"], "intermediate", "int_marts_last_build")) == 1


def snapshot_rows(data: Path) -> pd.DataFrame:
    columns = "* exclude (dbt_scd_id, dbt_updated_at, dbt_valid_from, dbt_valid_to), dbt_valid_to is null as current"
    rows = query(data, f"select {columns} from snapshots.dim_customer_snapshot")
    return rows.sort_values(["customer_id", "current"]).reset_index(drop=True)


def test_a_night_whose_snapshot_fails_is_redone_by_the_next(nights, tmp_path):
    """Night 2 fails at the snapshot (its table lacks a column) after every incremental mart was rebuilt: the last
    build's state stays night 1's, so night 3 (the table repaired, nothing new) touches night 2's customers again
    and its snapshot, which compares only the touched customers, equals dbt's own comparison of every customer."""
    data = tmp_path / "data"
    shutil.copytree(nights["root"] / "before_night2" / "data", data)
    last = {
        name: table(data, "intermediate", name)
        for name in ["int_marts_built_records", "int_marts_last_build"]
    }
    with duckdb.connect(str(data / "warehouse" / "customer360.duckdb")) as con:
        con.execute("alter table snapshots.dim_customer_snapshot rename column email to email_lost")
    failed = dbt(["build"], data, tmp_path / "night2", VARS)
    assert failed.returncode != 0 and re.search(
        r"ERROR snapshotting .*dim_customer_snapshot", failed.stdout
    ), failed.stdout[-3000:]
    for name, before in last.items():
        pd.testing.assert_frame_equal(table(data, "intermediate", name), before, obj=name)
    with duckdb.connect(str(data / "warehouse" / "customer360.duckdb")) as con:
        con.execute("alter table snapshots.dim_customer_snapshot rename column email_lost to email")
    build(data, tmp_path / "night3")
    assert set(table(data, "intermediate", "int_customers_touched")["customer_id"]) == {
        nights[k] for k in ("keeper", "absorbed", "erased", "buyer", "rescored")
    }
    pd.testing.assert_frame_equal(snapshot_rows(data), snapshot_rows(nights["full"]), check_dtype=False)
    test_incremental_marts_equal_a_full_refresh({"data": data, "full": nights["full"]})


def test_a_night_that_moves_the_as_of_date_snapshots_every_customer(nights, tmp_path):
    """With the as-of date taken from the data, a night delivering a later event moves it: dim_customer rewrites
    every row (is_archived may flip for any customer), so the snapshot compares every customer, not the night's
    touched ones (macros/incremental_marts.sql, snapshot_touched_keys)."""
    data = tmp_path / "data"
    shutil.copytree(nights["data"], data)
    assert dbt(["build"], data, tmp_path / "unpinned", {}).returncode == 0  # a changed var: a full night
    line = pd.read_parquet(next((data / "silver" / "order" / "run_date=2026-11-28").glob("*.parquet")))
    line["order_id"] = line["order_id"].astype(str) + "-N3"
    line["order_date_ts"] = pd.Timestamp.now(tz="UTC").floor("D").tz_convert(None)
    line["_loaded_at"] = pd.Timestamp.now(tz="UTC")
    line["_run_date"] = "2026-11-29"  # its own source row (source, file, line, run date)
    (data / "silver" / "order" / "run_date=2026-11-29").mkdir()
    line.to_parquet(data / "silver" / "order" / "run_date=2026-11-29" / "part.parquet", index=False)
    later = dbt(["build"], data, tmp_path / "later", {})
    assert later.returncode == 0, later.stdout[-3000:]
    customers = len(table(data, "marts", "dim_customer"))
    assert f"incremental batch: dim_customer {customers} rows" in later.stdout
    assert re.search(r"snapshot in scope: dim_customer_snapshot \d+ changed keys\n", later.stdout), (
        later.stdout
    )


def test_a_night_run_in_another_time_zone_misses_no_row_loaded_after_the_last(nights, tmp_path):
    """The load times (`_loaded_at`, UTC instants) reach the marts as wall-clock times in C360_TIMEZONE, as every
    other time, whatever zone the host runs dbt in (profiles.yml sets DuckDB's TimeZone). A night run by a shell in
    Asia/Tokyo and the next by a daemon in UTC: the second's new line, loaded an hour after the first night's latest
    load, is rebuilt into fct_orders (in the host's zone, the first night's watermark read 9 hours later than the
    line's load time, so the line was taken as built already and left out)."""
    data = tmp_path / "data"
    shutil.copytree(nights["data"], data)
    tokyo = dbt(["build"], data, tmp_path / "tokyo", VARS, env={"TZ": "Asia/Tokyo"})
    assert tokyo.returncode == 0, tokyo.stdout[-3000:]
    latest = max(
        pd.read_parquet(path, columns=["_loaded_at"])["_loaded_at"].max()
        for path in (data / "silver" / "order").rglob("*.parquet")
    )
    watermark = query(data, "select stg_silver__orders_loaded_through from intermediate.int_marts_last_build")
    zone = os.environ.get("C360_TIMEZONE", "Asia/Shanghai")
    assert watermark.iloc[0, 0] == latest.tz_convert(zone).tz_localize(None)  # the partitions' zone
    line = pd.read_parquet(next((data / "silver" / "order" / "run_date=2026-11-28").glob("*.parquet")))
    line["order_id"] = line["order_id"].astype(str) + "-TZ"
    line["_loaded_at"] = latest + pd.Timedelta(hours=1)
    line["_run_date"] = "2026-11-29"
    (data / "silver" / "order" / "run_date=2026-11-29").mkdir()
    line.to_parquet(data / "silver" / "order" / "run_date=2026-11-29" / "part.parquet", index=False)
    utc = dbt(["build"], data, tmp_path / "utc", VARS, env={"TZ": "UTC"})
    assert utc.returncode == 0, utc.stdout[-3000:]
    got = query(data, "select order_id from marts.fct_orders where order_id = ?", [line["order_id"].iloc[0]])
    assert len(got) == len(line) == 1


def test_a_night_after_a_macro_changed_rebuilds_every_customer(nights, tmp_path):
    """A release that edits a macro changes var c360_macros (the macros' digest, assets/dbt/defs.py): the marts'
    fingerprint changes and the night rebuilds every customer, not only the ones it touched."""
    data = tmp_path / "data"
    shutil.copytree(nights["data"], data)
    batches = build(data, tmp_path / "release", "--vars", json.dumps({**VARS, "c360_macros": "edited"}))
    assert batches["dim_customer"] == len(table(data, "marts", "dim_customer")) > 0


def view_results(work: Path) -> dict[str, str]:
    """Each view's and seed's run_results message: 'UNCHANGED' when it was left in place
    (macros/unchanged_nodes.sql)."""
    nodes = json.loads((work / "target" / "manifest.json").read_text())["nodes"]
    results = json.loads((work / "target" / "run_results.json").read_text())["results"]
    kept = {
        uid for uid, node in nodes.items()
        if uid.startswith("seed.") or (uid.startswith("model.") and node["config"]["materialized"] == "view")
    }  # fmt: skip
    return {nodes[r["unique_id"]]["name"]: r["message"] for r in results if r["unique_id"] in kept}


def test_a_night_leaves_the_views_and_seeds_in_place_unless_they_or_what_they_read_changed(nights, tmp_path):
    """Night 2 (same project and vars) re-creates no view and re-loads no seed; the --full-refresh build re-creates
    every one, and a build over the warehouse moved to another data root every view reading its Parquet files. A
    view or seed missing or carrying another build's fingerprint is built again, so is a view whose columns are
    not those its SQL binds to now (another warehouse's, a Parquet file of another schema); the marts are the
    same."""
    night2 = view_results(nights["root"] / "night2")
    assert len(night2) == 21 and set(night2.values()) == {"UNCHANGED"}
    assert "UNCHANGED" not in view_results(nights["full"].parent).values()
    data = tmp_path / "data"
    shutil.copytree(nights["data"], data)
    build(data, tmp_path / "moved")
    moved = view_results(tmp_path / "moved")
    compiled = (tmp_path / "moved" / "target" / "compiled").rglob("*.sql")
    reading = {p.stem for p in compiled if str(data) in p.read_text()} & moved.keys()
    assert {name for name, message in moved.items() if message != "UNCHANGED"} == reading
    assert len(reading) == 12  # the staging views, which read the Parquet files
    with duckdb.connect(str(data / "warehouse" / "customer360.duckdb")) as con:
        con.execute("drop view staging.stg_silver__orders")
        con.execute("comment on view staging.stg_silver__persons is 'another build'")
        con.execute("comment on table reference.currency_rates is 'another build'")
        (kept,) = con.execute(
            "select comment from duckdb_views() where view_name = 'stg_linkage__match_pairs'"
        ).fetchone()
        con.execute("create or replace view staging.stg_linkage__match_pairs as select 1 as stale")
        con.execute(f"comment on view staging.stg_linkage__match_pairs is '{kept}'")
    build(data, tmp_path / "tampered")
    rebuilt = {
        name for name, message in view_results(tmp_path / "tampered").items() if message != "UNCHANGED"
    }
    assert rebuilt == {
        "stg_silver__orders",
        "stg_silver__persons",
        "stg_linkage__match_pairs",
        "currency_rates",
    }
    for schema, names in COMPARED.items():
        for name in names:
            pd.testing.assert_frame_equal(table(data, schema, name), table(nights["data"], schema, name))


def test_a_night_counts_the_customers_it_weighs_its_touched_ones_against_from_dim_customer(nights):
    """Whether the facts restrict the silver rows to the night's keys (macros/linked_rows.sql, night_is_narrow) is
    decided against the last build's dim_customer rows, a table's count, not the distinct customers of the xref view
    (a scan of its Parquet for each of the four facts); night 2 touches 3 of 150 customers: narrow."""
    log = (nights["root"] / "night2" / "logs" / "dbt.log").read_text()
    weighed = re.findall(r"int_customers_touched\"\) \* 2 <= \((select count\([^)]*\) from \S+)\)", log)
    assert weighed == ['select count(*) from "customer360"."marts"."dim_customer"'] * 4
    assert (
        "night_row"
        in next((nights["root"] / "night2" / "target" / "compiled").rglob("fct_orders.sql")).read_text()
    )
