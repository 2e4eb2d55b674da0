"""Backups and restores of a data dir: retention, sealing, checksums, damaged and partial backups, S3."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from assets.backup.restore import RestoreError, restore_backup
from assets.backup.retention import plan_retention
from assets.backup.sealing import SealError, seal, unseal
from assets.backup.snapshot import backup_name, take_backup
from assets.backup.store import FolderStore, S3Store
from assets.layout import DataLayout
from assets.secrets import env_var_resources

KEY = "backup passphrase for tests"


def _data_dir(root: Path) -> DataLayout:
    layout = DataLayout(
        root=root / "data", landing=str(root / "data" / "landing"), config_dir=root / "config"
    )
    files = {
        "warehouse/customer360.duckdb": b"DUCK" + bytes(range(256)) * 40_000,  # > one 4 MiB seal chunk
        "linkage/customer_xref.parquet": b"PAR1 xref zhang.wei@163.com PAR1",
        "manifest/files.parquet": b"PAR1 manifest PAR1",
        "landing/crm/a.csv": "ID,Name\n1,张伟\n".encode(),
        "tmp/deliver-x/src/dim_customer.parquet": b"staging, never backed up",
        "logs/dagster.jsonl": b"{}\n",
        ".customer360-writer.lock": b"run r pid 1",
    }
    for name, data in files.items():
        (layout.root / name).parent.mkdir(parents=True, exist_ok=True)
        (layout.root / name).write_bytes(data)
    (root / "config").mkdir()
    (root / "config" / "sources.yaml").write_text("sources: []\n")
    return layout


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_retention_keeps_daily_and_weekly_newest():
    start = datetime(2026, 10, 1, 2, tzinfo=UTC)
    names = [backup_name(start + timedelta(hours=12 * i)) for i in range(60)]  # two a day for 30 days
    kept, dropped = plan_retention(names, keep_daily=3, keep_weekly=2)
    assert names[-1] in kept and set(kept) | set(dropped) == set(names) and not set(kept) & set(dropped)
    days = {datetime.strptime(n[7:15], "%Y%m%d").date() for n in kept}
    assert len(kept) == len(days)  # one a day at most: the newest of that day
    assert {n[7:15] for n in names[-6:]} <= {n[7:15] for n in kept}  # the last three days
    assert len(kept) == 4  # 3 daily + the newest of the week before (this week's newest is already kept)


def test_sealed_stream_round_trips_and_refuses_tampering():
    data = [b"a" * 5_000_000, b"b" * 10]
    sealed = b"".join(seal(iter(data), KEY))
    assert b"aaaa" not in sealed
    assert b"".join(unseal(iter([sealed]), KEY)) == b"".join(data)
    with pytest.raises(SealError, match="wrong key"):
        b"".join(unseal(iter([sealed]), "another key"))
    flipped = bytearray(sealed)
    flipped[100] ^= 1
    with pytest.raises(SealError, match="altered"):
        b"".join(unseal(iter([bytes(flipped)]), KEY))
    first_chunk = 8 + 8 + 4 + (4 << 20) + 16
    with pytest.raises(SealError, match="cut short"):  # the last chunk dropped: refused, not a short file
        b"".join(unseal(iter([sealed[:first_chunk]]), KEY))


@pytest.mark.parametrize("key", [None, KEY])
def test_backup_restores_the_data_dir_byte_for_byte(tmp_path, key):
    layout = _data_dir(tmp_path)
    store = FolderStore(tmp_path / "backups")
    info = take_backup(layout, store, key)
    backed = _tree(layout.root)
    for skipped in (
        "tmp/deliver-x/src/dim_customer.parquet",
        "logs/dagster.jsonl",
        ".customer360-writer.lock",
    ):
        backed.pop(skipped)
    stored = b"".join(p.read_bytes() for p in (tmp_path / "backups").rglob("*") if p.is_file())
    assert (b"zhang.wei@163.com" in stored) is (key is None)  # sealed when a key is set
    restored = restore_backup(str(tmp_path / "backups"), tmp_path / "new", key)
    assert restored.files == info.files == len(backed) + 1  # + config/sources.yaml
    config = restored.config_dir
    after = _tree(tmp_path / "new")
    assert json.loads(after.pop("audit/audit_log.jsonl"))["event"] == "restore"  # the restore is audited
    assert after == {**backed, **{f"restored-config/{k}": v for k, v in _tree(config).items()}}
    assert (config / "sources.yaml").read_text() == "sources: []\n"


def test_a_damaged_backup_is_refused_naming_the_file(tmp_path):
    layout = _data_dir(tmp_path)
    info = take_backup(layout, FolderStore(tmp_path / "backups"), None)
    victim = tmp_path / "backups" / info.name / "linkage" / "customer_xref.parquet"
    victim.write_bytes(victim.read_bytes().replace(b"xref", b"XREF"))
    with pytest.raises(
        RestoreError, match=r"linkage/customer_xref\.parquet does not match its checksum"
    ) as err:
        restore_backup(str(tmp_path / "backups" / info.name), tmp_path / "new", None)
    assert "\n" not in str(err.value)
    assert not (tmp_path / "new").exists()  # verified before anything is written


def test_an_incomplete_backup_is_never_restored(tmp_path):
    layout = _data_dir(tmp_path)
    store = FolderStore(tmp_path / "backups")
    first = take_backup(layout, store, None)
    crashed = backup_name(datetime.now(UTC) + timedelta(days=1))  # a later backup killed before its manifest
    store.put(crashed, "warehouse/customer360.duckdb", iter([b"half"]))
    assert store.names() == [first.name]
    restored = restore_backup(str(tmp_path / "backups"), tmp_path / "new", None)
    assert restored.backup.endswith(first.name)


def test_encrypted_backup_needs_its_key_and_the_target_must_be_empty(tmp_path):
    layout = _data_dir(tmp_path)
    take_backup(layout, FolderStore(tmp_path / "backups"), KEY)
    with pytest.raises(RestoreError, match="encrypted: export C360_ENCRYPTION_KEY"):
        restore_backup(str(tmp_path / "backups"), tmp_path / "new", None)
    with pytest.raises(RestoreError, match="wrong key"):
        restore_backup(str(tmp_path / "backups"), tmp_path / "new2", "not the key")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(RestoreError, match="not empty"):
        restore_backup(str(tmp_path / "backups"), tmp_path / "full", KEY)


@pytest.mark.services
def test_backup_to_s3_and_back(tmp_path, monkeypatch):
    import boto3
    from privacy_fixtures import moto_s3

    layout = _data_dir(tmp_path)
    with moto_s3(monkeypatch) as endpoint:
        boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket="c360-backups")
        store = S3Store("s3://c360-backups/nightly")
        info = take_backup(layout, store, KEY)
        assert store.names() == [info.name]
        manifest = json.loads(b"".join(store.get(info.name, "MANIFEST.json")))
        assert manifest["encrypted"] and len(manifest["files"]) == info.files
        restore_backup(f"s3://c360-backups/nightly/{info.name}", tmp_path / "new", KEY)
    assert (tmp_path / "new" / "warehouse" / "customer360.duckdb").read_bytes() == (
        layout.root / "warehouse" / "customer360.duckdb"
    ).read_bytes()


def test_backup_asset_and_its_freshness_check(tmp_path, monkeypatch):
    import time
    from datetime import timedelta

    import dagster as dg

    from assets.backup.defs import backup, build_backup_freshness
    from assets.settings import Settings

    layout = _data_dir(tmp_path)
    monkeypatch.setenv("C360_BACKUP_TO", str(tmp_path / "backups"))
    settings = Settings(data_dir=str(layout.root), config_dir=str(tmp_path / "config"))
    checks = build_backup_freshness(timedelta(seconds=3))
    with dg.DagsterInstance.ephemeral() as instance:
        made = dg.materialize(
            [backup, *checks], resources={"settings": settings, **env_var_resources()}, instance=instance
        )
        meta = made.get_asset_materialization_events()[0].materialization.metadata
        assert meta["files"].value == 5 and meta["encrypted"].value is False
        assert [e.passed for e in made.get_asset_check_evaluations()] == [True]
        time.sleep(4)  # the last backup is now older than the allowed age
        later = dg.materialize(
            [backup, *checks],
            resources={"settings": settings, **env_var_resources()},
            instance=instance,
            selection=dg.AssetSelection.checks(*checks),
        )
        [verdict] = later.get_asset_check_evaluations()
        assert not verdict.passed and verdict.severity == dg.AssetCheckSeverity.ERROR
    assert len(FolderStore(tmp_path / "backups").names()) == 1
