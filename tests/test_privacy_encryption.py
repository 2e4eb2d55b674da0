"""Encryption at rest, unit by unit: zone Parquet through the one door, the warehouse, their conversion."""

import os

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from privacy_fixtures import MARTS, build_warehouse, make_layout

from assets.deliver.warehouse import open_marts
from assets.parquet_files import (
    encrypts,
    is_encrypted_parquet,
    open_parquet,
    read_parquet,
    write_parquet_atomic,
    zone_relation,
)
from assets.privacy.at_rest import prepare_encrypted_storage, rotate_key
from assets.privacy.encryption import (
    EncryptionUnavailable,
    connect_warehouse,
    duckdb_connect,
    prepare_warehouse,
    warehouse_is_encrypted,
)

FRAME = pd.DataFrame(
    {
        "email": ["zhang.wei@163.com", "li.na@qq.com"],
        "phone_mobile": ["+8613812345678", None],
        "emails": [["zhang.wei@163.com"], []],
        "amount": [199.5, 12.0],
        "loaded_at": pd.to_datetime(["2026-03-01 10:00", "2026-03-02 11:00"], utc=True),
    }
)
KEY = "correct horse battery staple"


@pytest.fixture
def key(monkeypatch) -> str:
    monkeypatch.setenv("C360_ENCRYPTION_KEY", KEY)
    return KEY


@pytest.fixture
def no_key(monkeypatch) -> None:
    monkeypatch.delenv("C360_ENCRYPTION_KEY", raising=False)


def _same_values(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert a.astype(str).to_dict("list") == b.astype(str).to_dict("list")


def test_zone_file_encrypted_at_rest_when_key_set(tmp_path, key, monkeypatch):
    path = tmp_path / "silver" / "person" / "part.parquet"
    write_parquet_atomic(FRAME, path)
    assert is_encrypted_parquet(path) and b"163.com" not in path.read_bytes()
    _same_values(read_parquet(path), FRAME)
    assert read_parquet(path, columns=["amount"])["amount"].tolist() == [199.5, 12.0]
    with duckdb_connect() as con:  # the format dbt reads: DuckDB's encryption_config
        scan = zone_relation(path)
        assert "encryption_config" in scan and con.execute(f"select count(*) from {scan}").fetchone() == (2,)
    monkeypatch.setenv("C360_ENCRYPTION_KEY", "another key")
    with pytest.raises(EncryptionUnavailable, match="wrong key"):
        read_parquet(path)
    monkeypatch.delenv("C360_ENCRYPTION_KEY")
    with pytest.raises(EncryptionUnavailable, match="export C360_ENCRYPTION_KEY"):
        read_parquet(path)


def test_plain_without_key_exactly_as_pyarrow_writes(tmp_path, no_key):
    path = tmp_path / "silver" / "part.parquet"
    write_parquet_atomic(FRAME, path)
    assert not is_encrypted_parquet(path) and isinstance(open_parquet(path), pq.ParquetFile)
    pd.testing.assert_frame_equal(read_parquet(path), pd.read_parquet(path))
    pd.testing.assert_frame_equal(read_parquet(path), FRAME)


def _envelope(data: bytes, key: str) -> bytes:
    """A file as the former whole-file envelope wrote it (C360ENC1 header, HKDF key, AES-GCM)."""
    derived = HKDF(hashes.SHA256(), 32, None, b"customer360 file encryption v1").derive(key.encode())
    nonce = os.urandom(12)
    return b"C360ENC1" + nonce + AESGCM(derived).encrypt(nonce, data, b"")


def test_old_envelope_tombstones_still_read(tmp_path, key):
    plain = tmp_path / "plain.parquet"
    FRAME.to_parquet(plain)
    old = tmp_path / "erasure" / "tombstones.parquet"
    old.parent.mkdir()
    old.write_bytes(_envelope(plain.read_bytes(), key))
    _same_values(read_parquet(old), FRAME)


def test_key_set_later_encrypts_zone_files_and_the_warehouse(tmp_path, monkeypatch):
    monkeypatch.delenv("C360_ENCRYPTION_KEY", raising=False)
    layout = make_layout(tmp_path / "data")
    write_parquet_atomic(FRAME, layout.silver("person", "2026-03-01"))
    write_parquet_atomic(FRAME, layout.linkage_dir / "history" / "accepted_xref_keys.parquet")
    write_parquet_atomic(pd.DataFrame({"source": ["crm"], "rows_read": [3]}), layout.manifest)
    build_warehouse(layout.warehouse)
    with connect_warehouse(layout.warehouse) as (con, _):
        before = con.execute("select * from marts.dim_customer order by customer_id").df()
    assert prepare_encrypted_storage(layout) == []  # nothing to do without a key

    monkeypatch.setenv("C360_ENCRYPTION_KEY", KEY)
    lines = prepare_encrypted_storage(layout)
    assert lines[0].startswith("encrypted 3 plain zone Parquet file(s)") and "converted" in lines[1]
    assert is_encrypted_parquet(layout.silver("person", "2026-03-01"))
    assert is_encrypted_parquet(layout.linkage_dir / "history" / "accepted_xref_keys.parquet")
    assert encrypts() and is_encrypted_parquet(layout.manifest)  # file keys may name people
    assert warehouse_is_encrypted(layout.warehouse) and b"zhang.wei" not in layout.warehouse.read_bytes()
    with connect_warehouse(layout.warehouse) as (con, catalog):
        assert catalog == "customer360"
        pd.testing.assert_frame_equal(
            con.execute("select * from marts.dim_customer order by customer_id").df(), before
        )
        assert con.execute("select count(*) from snapshots.dim_customer_snapshot").fetchone() == (2,)
    assert prepare_encrypted_storage(layout) == []  # once only


def test_mixed_plain_and_encrypted_zone_reads_as_one(tmp_path, monkeypatch):
    monkeypatch.delenv("C360_ENCRYPTION_KEY", raising=False)
    write_parquet_atomic(FRAME.head(1), tmp_path / "run_date=1" / "part.parquet")
    monkeypatch.setenv("C360_ENCRYPTION_KEY", KEY)
    write_parquet_atomic(FRAME.tail(1), tmp_path / "run_date=2" / "part.parquet")
    with duckdb_connect() as con:
        rows = con.execute(f"select email from {zone_relation(tmp_path / '*' / '*.parquet')} order by 1")
        assert [r[0] for r in rows.fetchall()] == ["li.na@qq.com", "zhang.wei@163.com"]
    assert zone_relation(tmp_path / "nothing" / "*.parquet") is None


def _encrypted_warehouse(path, monkeypatch):
    monkeypatch.setenv("C360_ENCRYPTION_KEY", "wh-key")
    with connect_warehouse(path, read_only=False) as (con, catalog):
        con.register("_f", MARTS["dim_customer"])
        con.execute(f"create schema {catalog}.marts")
        con.execute(f"create table {catalog}.marts.dim_customer as select * from _f")


def test_encrypted_warehouse_read_for_delivery(tmp_path, monkeypatch):
    path = tmp_path / "customer360.duckdb"
    _encrypted_warehouse(path, monkeypatch)
    assert warehouse_is_encrypted(path) and b"zhang.wei" not in path.read_bytes()
    with open_marts(path, ["dim_customer"]) as marts:  # streamed into masking: no copy on disk
        assert marts["dim_customer"].read()["email"].to_pylist() == ["zhang.wei@163.com", "li.na@qq.com"]


def test_wrong_or_missing_key_is_one_clear_line(tmp_path, monkeypatch):
    path = tmp_path / "customer360.duckdb"
    _encrypted_warehouse(path, monkeypatch)
    monkeypatch.setenv("C360_ENCRYPTION_KEY", "wrong")
    for read_only in (True, False):
        with pytest.raises(EncryptionUnavailable) as error, connect_warehouse(path, read_only=read_only):
            pass
        assert "wrong key" in str(error.value) and "\n" not in str(error.value)
    monkeypatch.delenv("C360_ENCRYPTION_KEY")
    with pytest.raises(EncryptionUnavailable, match="is encrypted; fix: export C360_ENCRYPTION_KEY"):
        prepare_warehouse(path)
    with pytest.raises(duckdb.Error, match="encrypted"):
        duckdb.connect(str(path), read_only=True)


def test_without_the_key_a_warehouse_is_opened_at_once_and_an_encrypted_one_refused(tmp_path, monkeypatch):
    """No key: a reader opens the warehouse plainly at once, with no probing open before (each reader of a night,
    delivery, report, row counts, opened it twice); an encrypted one is refused with the missing-key line."""
    from assets.privacy import encryption

    path = tmp_path / "customer360.duckdb"
    _encrypted_warehouse(path, monkeypatch)
    monkeypatch.delenv("C360_ENCRYPTION_KEY")
    for read_only in (True, False):
        with (
            pytest.raises(EncryptionUnavailable, match="is encrypted; fix: export C360_ENCRYPTION_KEY"),
            connect_warehouse(path, read_only=read_only),
        ):
            pass
    plain = build_warehouse(tmp_path / "plain" / "customer360.duckdb")
    monkeypatch.setattr(encryption, "warehouse_is_encrypted", lambda p: pytest.fail(f"{p} probed"))
    with connect_warehouse(plain, read_only=True) as (con, catalog):
        assert catalog == "customer360"
        assert con.execute("select count(*) from marts.dim_customer").fetchone()[0] == len(
            MARTS["dim_customer"]
        )


def test_key_set_but_plain_warehouse_still_readable(tmp_path, key):
    path = build_warehouse(tmp_path / "customer360.duckdb")
    with open_marts(path, ["dim_customer"]) as marts:  # readers do not convert; dbt will
        assert marts["dim_customer"].read().num_rows == 2
    assert not warehouse_is_encrypted(path)


def test_rotate_key_reencrypts_zone_files_and_the_warehouse(tmp_path, monkeypatch):
    layout = make_layout(tmp_path / "data")
    monkeypatch.setenv("C360_ENCRYPTION_KEY", "old key")
    raw = layout.raw("crm", "2026-03-01") / "part.parquet"
    write_parquet_atomic(
        pa.table({"email": ["zhang.wei@163.com"]}).replace_schema_metadata({"c360.sha256": "ab"}), raw
    )
    write_parquet_atomic(FRAME, layout.erasure_dir / "tombstones.parquet")
    build_warehouse(layout.warehouse)
    prepare_encrypted_storage(layout)

    lines = rotate_key(layout, "old key", "new key")
    assert lines[0] == "re-encrypted 2 zone Parquet file(s) with the new key" and len(lines) == 2
    with pytest.raises(EncryptionUnavailable, match="wrong key"):
        read_parquet(raw)
    monkeypatch.setenv("C360_ENCRYPTION_KEY", "new key")
    assert open_parquet(raw).schema_arrow.metadata == {b"c360.sha256": b"ab"}
    _same_values(read_parquet(layout.erasure_dir / "tombstones.parquet"), FRAME)
    with connect_warehouse(layout.warehouse) as (con, _):
        assert con.execute("select count(*) from snapshots.dim_customer_snapshot").fetchone() == (2,)


def test_threads_asking_for_the_zone_database_at_once_share_one(monkeypatch):
    """Background work (assets/background.py) may open the first zone connection in two threads at once: they
    get cursors on one in-memory database (one httpfs load, one key), not one database each."""
    import threading
    import time

    from assets.privacy import encryption

    monkeypatch.setenv("C360_ENCRYPTION_KEY", "threads key")
    encryption._zone_database.cache_clear()
    made: list[int] = []
    enable = encryption.enable_encryption

    def slow_enable(con, key):  # widens the window in which a second thread could make its own
        made.append(id(con))
        time.sleep(0.2)
        enable(con, key)

    monkeypatch.setattr(encryption, "enable_encryption", slow_enable)
    barrier = threading.Barrier(4)
    cursors: list[duckdb.DuckDBPyConnection] = []

    def open_one() -> None:
        barrier.wait()
        cursors.append(encryption.zone_connection())

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert len(cursors) == 4 and len(made) == 1
        assert all(c.execute("select 1").fetchone() == (1,) for c in cursors)
    finally:
        for c in cursors:
            c.close()
        encryption._zone_database.cache_clear()
