import typer
from typer.testing import CliRunner

from assets.privacy.commands import erase_command
from assets.privacy.erasure import read_requests
from assets.settings import settings_from_env


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("erase")(erase_command)
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
