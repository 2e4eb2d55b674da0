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


GBK_EXPORT = """客户编号,客户名称,手机,邮箱,城市,生日,客户级别,备注
F1,张伟,13812345678,zw@qq.com,北京,1990-01-02,重要客户,老客户
F2,張偉,138 1234 5678,ZW@QQ.COM,北京,1990-01-02,普通客户,
F3,李雷,13912345678,li@163.com,上海,,潜在客户,
"""


def test_link_reads_a_gbk_export_with_chinese_headers_like_ingest(tmp_path: Path):
    """The same reader as ingest: GBK detected, vendor headers (纷享销客) mapped, unknown columns reported."""
    source = tmp_path / "客户导出.csv"
    source.write_bytes(GBK_EXPORT.encode("gbk"))
    out = tmp_path / "out"
    result = CliRunner().invoke(_app(), [str(source), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "read 3 rows" in result.output and "gb" in result.output.lower()  # gb18030 / gbk
    assert "客户名称 → full_name" in result.output and "手机 → phone_mobile" in result.output
    assert "columns not used (unknown): 备注" in result.output
    assert "3 records → 2 customers" in result.output
    xref = pd.read_parquet(out / "customer_xref.parquet")
    ids = dict(zip(xref["source_record_id"], xref["customer_id"], strict=True))
    assert ids["F1"] == ids["F2"] != ids["F3"]


def test_link_with_no_known_column_is_a_one_line_error(tmp_path: Path):
    source = tmp_path / "odd.csv"
    source.write_text("foo,bar\n1,2\n", encoding="utf-8")
    result = CliRunner().invoke(_app(), [str(source), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "columns not used (unknown): foo, bar" in result.output
    assert "no rows with a known column" in result.output
