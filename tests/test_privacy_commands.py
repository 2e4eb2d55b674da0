import pandas as pd
import typer
from typer.testing import CliRunner

from assets.parquet_files import is_encrypted_parquet, read_parquet, write_parquet_atomic
from assets.privacy.audit import read_audit
from assets.privacy.commands import erase_command, rotate_key_command
from assets.privacy.erasure import read_requests
from assets.settings import settings_from_env


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("erase")(erase_command)
    app.command("rotate-key")(rotate_key_command)
    app.command("noop")(lambda: None)  # two commands, so `erase` is a sub-command as in `customer360 erase`
    return app


def test_erase_command_records_a_request(tmp_path, monkeypatch):
    monkeypatch.setenv("C360_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("C360_HMAC_KEY", raising=False)
    result = CliRunner().invoke(_app(), ["erase", "--email", "Zhang.Wei@163.com", "--phone", "13812345678"])
    assert result.exit_code == 0, result.output
    requests = read_requests(settings_from_env().layout())
    assert requests["status"].tolist() == ["pending"]
    assert requests.loc[0, "request_id"] in result.output
    assert "zhang" not in requests.to_csv().lower()


def test_erase_command_rejects_bad_input(tmp_path, monkeypatch):
    monkeypatch.setenv("C360_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(_app(), ["erase"])
    assert result.exit_code == 2 and "needs --email" in result.output
    result = CliRunner().invoke(_app(), ["erase", "--phone", "13800000000"])
    assert result.exit_code == 2 and "placeholder" in result.output


def test_rotate_key_command_moves_zone_files_to_the_new_key(tmp_path, monkeypatch):
    monkeypatch.setenv("C360_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("C360_ENCRYPTION_KEY", "old passphrase")
    layout = settings_from_env().layout()
    path = write_parquet_atomic(
        pd.DataFrame({"email": ["zhang.wei@163.com"]}), layout.silver("person", "2026-03-01")
    )
    assert is_encrypted_parquet(path)

    refused = CliRunner().invoke(_app(), ["rotate-key"])
    assert refused.exit_code == 2 and "C360_NEW_ENCRYPTION_KEY" in refused.output

    monkeypatch.setenv("C360_NEW_ENCRYPTION_KEY", "new passphrase")
    result = CliRunner().invoke(_app(), ["rotate-key"])
    assert result.exit_code == 0, result.output
    assert "re-encrypted 1 zone Parquet file(s)" in result.output
    monkeypatch.setenv("C360_ENCRYPTION_KEY", "new passphrase")
    assert read_parquet(path)["email"].tolist() == ["zhang.wei@163.com"]
    audit = read_audit(layout)
    assert audit["event"].tolist() == ["key_rotation"]
    assert "passphrase" not in audit.to_csv()


def _files(root) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_erase_with_a_wrong_encryption_key_fails_in_one_line_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("C360_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("C360_ENCRYPTION_KEY", "the right passphrase")
    layout = settings_from_env().layout()
    write_parquet_atomic(pd.DataFrame({"email": ["li.na@163.com"]}), layout.silver("person", "2026-03-01"))
    before = _files(tmp_path)  # a run's files, no erasure state yet
    monkeypatch.setenv("C360_ENCRYPTION_KEY", "a wrong passphrase")
    result = CliRunner().invoke(_app(), ["erase", "--email", "zhang.wei@163.com"])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1 and "wrong key" in result.output
    assert _files(tmp_path) == before
    monkeypatch.delenv("C360_ENCRYPTION_KEY")
    missing = CliRunner().invoke(_app(), ["erase", "--email", "zhang.wei@163.com"])
    assert missing.exit_code == 2 and "is encrypted" in missing.output and _files(tmp_path) == before


def test_tombstones_are_keyed_without_hmac_key(tmp_path, monkeypatch):
    import hashlib

    from assets.privacy.tombstones import LOCAL_KEY, read_tombstones

    monkeypatch.setenv("C360_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("C360_HMAC_KEY", raising=False)
    assert CliRunner().invoke(_app(), ["erase", "--email", "Zhang.Wei@163.com"]).exit_code == 0
    layout = settings_from_env().layout()
    stones = read_tombstones(layout)
    assert set(stones["scheme"]) != {"sha256"} and stones["scheme"].str.startswith("hmac-sha256:").all()
    assert hashlib.sha256(b"zhang.wei@163.com").hexdigest() not in set(
        stones["hash"]
    )  # a guess cannot be confirmed
    key_file = layout.erasure_dir / LOCAL_KEY
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert (
        CliRunner().invoke(_app(), ["erase", "--email", "li.na@163.com"]).exit_code == 0
    )  # the same key again
    assert len(set(read_tombstones(layout)["scheme"])) == 1
