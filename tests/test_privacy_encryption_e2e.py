"""Encryption at rest end to end: the nightly job on sample data, once plain and once with C360_ENCRYPTION_KEY.

With the key, nothing under the data dir but the landing zone (the customer's own files) and the sample's answer
key holds a known person's email, phone, WeChat id or name in clear; the warehouse does not open without the key
(and says so in one line with a wrong one); marts and deliveries have the rows of the plain run; a plain data dir
is converted on the next run once the key is set; erasure works on the encrypted files.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from assets.layout import DataLayout
from assets.parquet_files import is_encrypted_parquet, open_parquet, read_parquet
from assets.privacy.encryption import EncryptionUnavailable, connect_warehouse, warehouse_is_encrypted
from assets.privacy.erasure import record_erasure_request
from assets.sample import generate_sample
from assets.settings import Settings
from orchestration.definitions import build_definitions
from orchestration.jobs import NIGHTLY_JOB
from tests.run_failures import step_failures

pytestmark = pytest.mark.slow

RUN_DATE = "2026-11-27"
KEY = "correct horse battery staple"
REPO = Path(__file__).resolve().parent.parent
NOT_OURS = ("landing", "truth")  # the customer's delivered files; the sample generator's answer key


@contextmanager
def encryption(key: str | None) -> Iterator[None]:
    old = os.environ.pop("C360_ENCRYPTION_KEY", None)
    if key is not None:
        os.environ["C360_ENCRYPTION_KEY"] = key
    try:
        yield
    finally:
        os.environ.pop("C360_ENCRYPTION_KEY", None)
        if old is not None:
            os.environ["C360_ENCRYPTION_KEY"] = old


def run_nightly(data: Path, key: str | None) -> str:
    """One nightly run; returns its whole Dagster event log (messages and metadata) serialised."""
    with encryption(key), dg.DagsterInstance.ephemeral() as instance:
        defs = build_definitions({"settings": Settings(data_dir=str(data))})
        result = defs.resolve_job_def(NIGHTLY_JOB).execute_in_process(
            instance=instance, partition_key=RUN_DATE, raise_on_error=False
        )
        event_log = "\n".join(dg.serialize_value(e) for e in instance.all_logs(result.run_id))
    assert result.success, "\n".join(step_failures(result))
    return event_log


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """The same sample data run plain and encrypted (each in its own data dir)."""
    dirs = {}
    for mode, key in (("plain", None), ("encrypted", KEY)):
        dirs[mode] = tmp_path_factory.mktemp(mode) / "data"
        generate_sample(dirs[mode], customers=120, seed=11)
        (dirs[mode].parent / "event_log.txt").write_text(run_nightly(dirs[mode], key), encoding="utf-8")
    return dirs


def known_people(data: Path, n: int = 25) -> list[str]:
    """Identifiers of real sample people as they appear in our layers (lower-case email, E.164 digits, names)."""
    people = pd.read_csv(data / "truth" / "customers.csv", dtype=str, keep_default_na=False).head(n)
    tokens = [*people["email"].str.lower(), *people["mobile"].str.lstrip("+"), *people["wechat_id"]]
    tokens += list(people["full_name"])  # two-character Chinese names included: 6 UTF-8 bytes, no chance hits
    return [t for t in tokens if t]


def files_holding(data: Path, tokens: list[str]) -> dict[str, list[str]]:
    """Files under `data` (landing and the answer key excepted) whose bytes contain any of `tokens`."""
    found: dict[str, list[str]] = {}
    needles = [t.encode() for t in tokens]
    for path in data.rglob("*"):
        if path.is_file() and path.relative_to(data).parts[0] not in NOT_OURS:
            content = path.read_bytes()
            hits = [n.decode() for n in needles if n in content]
            if hits:
                found[str(path.relative_to(data))] = hits
    return found


# what a build had to redo (the records that moved, the customers the night touched), not data: a night with
# nothing new empties them
NIGHTLY_WORK = {"int_records_moved", "int_customers_touched"}


def mart_rows(data: Path) -> dict[str, int]:
    with connect_warehouse(data / "warehouse" / "customer360.duckdb") as (con, catalog):
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_catalog = ? and table_type = 'BASE TABLE'",
            [catalog],
        ).fetchall()
        return {
            f"{s}.{t}": con.execute(f'select count(*) from "{s}"."{t}"').fetchone()[0]
            for s, t in tables
            if t not in NIGHTLY_WORK
        }


def delivered_rows(data: Path) -> dict[str, int]:
    return {str(p.relative_to(data)): len(pd.read_parquet(p)) for p in (data / "exports").rglob("*.parquet")}


def test_no_clear_personal_data_under_the_data_dir(runs):
    tokens = known_people(runs["encrypted"])
    assert files_holding(runs["plain"], tokens), "the check finds people in a plain run"
    assert files_holding(runs["encrypted"], tokens) == {}
    # Every zone file, the ingest manifest included; deliveries are plain, masked by policy.
    zone_files = [p for p in runs["encrypted"].rglob("*.parquet") if "exports" not in p.parts]
    assert any(p.parts[-2] == "manifest" for p in zone_files)
    assert zone_files and [p for p in zone_files if not is_encrypted_parquet(p)] == []


def test_the_key_is_in_no_log_artifact_or_file(runs):
    """Not in the run's event log (messages, metadata), dbt's artifacts and logs, or any file we wrote."""
    data = runs["encrypted"]
    assert "correct horse" not in (data.parent / "event_log.txt").read_text(encoding="utf-8")
    dbt_dirs = [REPO / "dbt_project" / "target", REPO / "dbt_project" / "logs"]
    written = [p for d in [data, *dbt_dirs] if d.exists() for p in d.rglob("*") if p.is_file()]
    assert written and not [p for p in written if b"correct horse" in p.read_bytes()]


def test_event_log_holds_no_clear_personal_data(runs):
    """Metadata previews are masked at the source, so Dagster's event log never needs erasing."""
    for data in runs.values():
        text = (data.parent / "event_log.txt").read_text(encoding="utf-8").lower()
        assert [t for t in known_people(data) if t.lower() in text] == []


def test_warehouse_needs_the_key(runs):
    path = runs["encrypted"] / "warehouse" / "customer360.duckdb"
    assert warehouse_is_encrypted(path)
    with pytest.raises(duckdb.Error, match="encrypted"):
        duckdb.connect(str(path), read_only=True)
    with encryption("not the key"), pytest.raises(EncryptionUnavailable) as wrong, connect_warehouse(path):
        pass
    assert "wrong key" in str(wrong.value) and "\n" not in str(wrong.value)
    with (
        encryption(None),
        pytest.raises(EncryptionUnavailable, match="export C360_ENCRYPTION_KEY"),
        connect_warehouse(path),
    ):
        pass
    with encryption(None), pytest.raises(EncryptionUnavailable, match="C360_ENCRYPTION_KEY"):
        read_parquet(next((runs["encrypted"] / "silver" / "person").rglob("*.parquet")))


def test_marts_and_deliveries_match_the_plain_run(runs):
    plain = mart_rows(runs["plain"])
    with encryption(KEY):
        encrypted = mart_rows(runs["encrypted"])
    assert plain["marts.dim_customer"] > 50
    assert encrypted == plain
    assert delivered_rows(runs["encrypted"]) == delivered_rows(runs["plain"]) != {}


def test_key_set_on_a_plain_data_dir_converts_it(runs, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(runs["plain"], data)
    before = mart_rows(data)
    run_nightly(data, KEY)  # plain warehouse and zone files from before the key: converted, then built
    assert warehouse_is_encrypted(data / "warehouse" / "customer360.duckdb")
    assert files_holding(data, known_people(data)) == {}
    with encryption(KEY):
        assert mart_rows(data) == before


def test_erasure_on_encrypted_files(runs):
    data = runs["encrypted"]
    person = pd.read_csv(data / "truth" / "customers.csv", dtype=str, keep_default_na=False).iloc[0]
    ids = pd.read_csv(data / "truth" / "ground_truth.csv", dtype=str)
    records = ids.loc[ids["true_customer_id"] == person["true_customer_id"], "source_record_id"].tolist()
    layout = DataLayout(root=data, landing=str(data / "landing"), config_dir=data / "config")
    gone = [person["email"].lower(), person["mobile"].lstrip("+"), *records]
    with encryption(KEY):
        assert any(gone[0] in text for text in _decrypted_text(layout).values())
        record_erasure_request(layout, email=person["email"], requested_by="dpo@example.org")
    run_nightly(data, KEY)
    with encryption(KEY):
        places = _decrypted_text(layout)
    assert places
    leftovers = {place: [t for t in gone if t.lower() in text] for place, text in places.items()}
    assert {p: t for p, t in leftovers.items() if t} == {}
    assert files_holding(data, known_people(data)) == {}


def _decrypted_text(layout: DataLayout) -> dict[str, str]:
    """Every zone Parquet file and warehouse table, decrypted, as lower-case text."""
    texts = {
        str(p.relative_to(layout.root)): open_parquet(p).read().to_pandas().astype(str).to_csv().lower()
        for p in layout.root.rglob("*.parquet")
        if not {"erasure", *NOT_OURS} & set(p.relative_to(layout.root).parts)
    }
    with connect_warehouse(layout.warehouse) as (con, catalog):
        for schema, table in con.execute(
            "select table_schema, table_name from information_schema.tables where table_catalog = ?",
            [catalog],
        ).fetchall():
            frame = con.execute(f'select * from "{schema}"."{table}"').df()
            texts[f"warehouse.{schema}.{table}"] = frame.astype(str).to_csv().lower()
    return texts
