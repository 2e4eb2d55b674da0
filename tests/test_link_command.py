"""`customer360 link INPUT --out OUT` on a user's own CSV (and again, keeping the ids)."""

from pathlib import Path

import pandas as pd
import typer
from typer.testing import CliRunner

from orchestration.link_command import link_command

CSV = """source,id,full_name,email,phone,birth_date,city
crm,1,張偉,zw@qq.com,138 1234 5678,1990-01-02,北京
shop,9,Wei Zhang,ZW@QQ.COM,,1990-01-02,Beijing
shop,10,Li Lei,li@163.com,13912345678,,上海
"""


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command()(link_command)
    return app


def test_link_csv_twice(tmp_path: Path):
    source = tmp_path / "people.csv"
    source.write_text(CSV, encoding="utf-8")
    out = tmp_path / "out"
    runner = CliRunner()
    first = runner.invoke(_app(), [str(source), "--out", str(out)])
    assert first.exit_code == 0, first.output
    assert "3 records → 2 customers" in first.output
    xref = pd.read_parquet(out / "customer_xref.parquet")
    ids = dict(zip(xref["source"] + ":" + xref["source_record_id"], xref["customer_id"], strict=True))
    assert ids["crm:1"] == ids["shop:9"] != ids["shop:10"]
    assert len(pd.read_parquet(out / "match_pairs.parquet")) >= 1

    source.write_text(CSV + "shop,11,韩梅梅,hmm@qq.com,13700000001,,上海\n", encoding="utf-8")
    second = runner.invoke(_app(), [str(source), "--out", str(out)])
    assert second.exit_code == 0, second.output
    again = pd.read_parquet(out / "customer_xref.parquet")
    ids2 = dict(zip(again["source"] + ":" + again["source_record_id"], again["customer_id"], strict=True))
    assert all(ids2[k] == v for k, v in ids.items())
    history = pd.read_parquet(out / "id_history.parquet")
    assert history["run_id"].nunique() == 2
    assert history.groupby("run_id")["event"].apply(list).iloc[-1] == ["created"]
    assert len(pd.read_parquet(out / "linkage_runs.parquet")) == 2


def test_bad_config_is_reported(tmp_path: Path):
    source = tmp_path / "people.csv"
    source.write_text(CSV, encoding="utf-8")
    config = tmp_path / "linkage.yaml"
    config.write_text("blocking: {rules: []}\ncomparisons: []\n")
    result = CliRunner().invoke(_app(), [str(source), "--out", str(tmp_path / "o"), "--config", str(config)])
    assert result.exit_code != 0
    assert "blocking.rules" in str(result.exception)
