import duckdb
import pandas as pd
import pytest
from cryptography.exceptions import InvalidTag
from privacy_fixtures import MARTS

from assets.deliver.warehouse import snapshot_tables
from assets.privacy.encryption import (
    EncryptionUnavailable,
    connect_warehouse,
    encrypt_file,
    is_encrypted,
    read_parquet,
    write_parquet,
)

FRAME = pd.DataFrame({"email": ["zhang.wei@163.com"], "phone_mobile": ["+8613812345678"]})


def test_parquet_encrypted_at_rest_when_key_set(tmp_path, monkeypatch):
    monkeypatch.setenv("C360_ENCRYPTION_KEY", "correct horse battery staple")
    path = tmp_path / "raw" / "part.parquet"
    write_parquet(FRAME, path)
    assert is_encrypted(path) and b"163.com" not in path.read_bytes()
    pd.testing.assert_frame_equal(read_parquet(path), FRAME)
    with pytest.raises(InvalidTag):
        read_parquet(path, key="another key")
    monkeypatch.delenv("C360_ENCRYPTION_KEY")
    with pytest.raises(EncryptionUnavailable, match="C360_ENCRYPTION_KEY"):
        read_parquet(path)


def test_opt_in_plain_without_key_and_encrypt_in_place(tmp_path, monkeypatch):
    monkeypatch.delenv("C360_ENCRYPTION_KEY", raising=False)
    path = tmp_path / "part.parquet"
    write_parquet(FRAME, path)
    assert not is_encrypted(path) and not encrypt_file(path)
    assert encrypt_file(path, key="k") and is_encrypted(path)
    assert not encrypt_file(path, key="k")  # never twice
    pd.testing.assert_frame_equal(read_parquet(path, key="k"), FRAME)


def _encrypted_warehouse(path, key):
    # httpfs (DuckDB's OpenSSL crypto) cannot be installed offline here; its mbedtls fallback writes the same
    # format, which is enough to test reading. Production writes go through attach_encrypted (httpfs).
    con = duckdb.connect()
    con.execute("SET force_mbedtls_unsafe = 'true'")
    con.execute(f"ATTACH '{path}' AS wh (ENCRYPTION_KEY '{key}')")
    con.register("_f", MARTS["dim_customer"])
    con.execute("create table wh.dim_customer as select * from _f")
    con.close()


def test_encrypted_warehouse_read_for_delivery(tmp_path, monkeypatch):
    path = tmp_path / "customer360.duckdb"
    _encrypted_warehouse(path, "wh-key")
    assert b"zhang.wei" not in path.read_bytes()
    monkeypatch.setenv("C360_ENCRYPTION_KEY", "wh-key")
    copies = snapshot_tables(path, ["dim_customer"], tmp_path / "out")
    assert pd.read_parquet(copies["dim_customer"])["email"].tolist() == ["zhang.wei@163.com", "li.na@qq.com"]
    monkeypatch.setenv("C360_ENCRYPTION_KEY", "wrong")
    with pytest.raises(duckdb.Error), connect_warehouse(path):
        pass


def test_encrypted_write_refuses_insecure_fallback(tmp_path, monkeypatch):
    monkeypatch.setenv("C360_ENCRYPTION_KEY", "wh-key")
    try:
        duckdb.connect().execute("LOAD httpfs")
        has_httpfs = True
    except duckdb.Error:
        has_httpfs = False
    if has_httpfs:
        with connect_warehouse(tmp_path / "w.duckdb", read_only=False) as (con, catalog):
            con.execute(f"create table {catalog}.t as select 1 as a")
        assert b"\x00" in (tmp_path / "w.duckdb").read_bytes()
    else:
        with (
            pytest.raises(EncryptionUnavailable, match="INSTALL httpfs"),
            connect_warehouse(tmp_path / "w.duckdb", read_only=False),
        ):
            pass


def test_key_set_but_plain_warehouse_still_delivers_with_warning(tmp_path, monkeypatch):
    from privacy_fixtures import build_warehouse

    path = build_warehouse(tmp_path / "customer360.duckdb")
    monkeypatch.setenv("C360_ENCRYPTION_KEY", "raw-zone-key")
    with pytest.warns(UserWarning, match="not encrypted although C360_ENCRYPTION_KEY is set"):
        copies = snapshot_tables(path, ["dim_customer"], tmp_path / "out")
    assert len(pd.read_parquet(copies["dim_customer"])) == 2
