"""`customer360 link` reads what the nightly link reads: declared references and steward decisions."""

import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import orchestration.link_command as link_command_module
from assets.layout import REPO_ROOT
from linkage.records import build_person_records
from tests.test_link_command import _app

CRM = pd.DataFrame(
    {
        "source_record_id": ["A1", "A2", "A3"],
        "full_name": ["Anna Walker", "Tom Brown", "Lena Fischer"],
        "email": ["anna.walker@mail.example.org", "tom.brown@mail.example.org", "lena.f@mail.example.org"],
        "phone_mobile": ["13900000101", "13900000102", "13900000103"],
        "city": ["Shanghai", "Beijing", "Shenzhen"],
    }
)
SHOP = pd.DataFrame(  # the same Anna, written by a shop
    {"source_record_id": ["S1"], "full_name": ["Anna Walker"], "email": ["anna.walker@mail.example.org"],
     "phone_mobile": ["13900000101"], "city": ["Shanghai"]}
)  # fmt: skip
ORDERS = pd.DataFrame({"customer_ref": ["A2", "A3"], "order_id": ["o1", "o2"]})  # CRM ids only


@pytest.fixture
def persons_file(tmp_path: Path) -> Path:
    persons = pd.concat(
        [
            build_person_records(CRM, "contact", "crm"),
            build_person_records(SHOP, "contact", "shop"),
            build_person_records(ORDERS, "order", "erp"),
        ],
        ignore_index=True,
    )
    path = tmp_path / "person.parquet"
    persons.to_parquet(path)
    return path


def _config(tmp_path: Path, references: bool) -> Path:
    config = tmp_path / "config"
    shutil.copytree(REPO_ROOT / "config", config)
    lines = ["sources:", "  - name: crm", "    entity: contact", '    glob: "crm/*.csv"', "    use: vendors/salesforce_contacts.yaml",
             "  - name: erp", "    entity: order", '    glob: "erp/*.csv"', "    primary_key: [order_id]",
             "    columns: {order_id: order_id, customer_ref: customer_ref}"]  # fmt: skip
    (config / "sources.yaml").write_text(
        "\n".join(lines + (["    references: [crm]"] if references else [])) + "\n", encoding="utf-8"
    )
    return config


def _customers(out: Path) -> dict[str, str]:
    xref = pd.read_parquet(out / "customer_xref.parquet")
    return dict(zip(xref["source"] + ":" + xref["source_record_id"], xref["customer_id"], strict=True))


@pytest.mark.parametrize("declared", [True, False])
def test_declared_references_resolve_order_refs(tmp_path, persons_file, monkeypatch, declared):
    """Two order rows keyed by CRM ids join those contacts when sources.yaml declares erp → crm; two hits
    are too few to be detected on their own, so without the declaration they stay apart."""
    monkeypatch.setattr(link_command_module, "CONFIG_DIR", _config(tmp_path, declared))
    out = tmp_path / "out"
    run = CliRunner().invoke(_app(), [str(persons_file), "--out", str(out)])
    assert run.exit_code == 0, run.output
    ids = _customers(out)
    assert (ids["erp:A2"] == ids["crm:A2"] and ids["erp:A3"] == ids["crm:A3"]) is declared
    assert ("2 reference links" in run.output) is declared


def test_steward_decisions_in_the_out_folder_apply(tmp_path, persons_file, monkeypatch):
    """A cannot-link a steward recorded in OUT/review/decisions.parquet keeps two records apart."""
    from assets.layout import DataLayout
    from assets.review.decisions import record_decisions

    monkeypatch.setattr(link_command_module, "CONFIG_DIR", _config(tmp_path, True))
    out = tmp_path / "out"
    runner = CliRunner()
    first = runner.invoke(_app(), [str(persons_file), "--out", str(out)])
    assert first.exit_code == 0, first.output
    assert _customers(out)["crm:A1"] == _customers(out)["shop:S1"]
    layout = DataLayout(root=tmp_path / "unused", landing="", config_dir=tmp_path / "config")
    monkeypatch.setattr(type(layout), "linkage_dir", property(lambda self: out))
    pair = pd.DataFrame({"source_l": ["crm"], "id_l": ["A1"], "source_r": ["shop"], "id_r": ["S1"]})
    record_decisions(layout, pair, "non_match", "import", reviewer="test")
    second = runner.invoke(_app(), [str(persons_file), "--out", str(out)])
    assert second.exit_code == 0, second.output
    assert _customers(out)["crm:A1"] != _customers(out)["shop:S1"]
    assert "1 cannot-links" in second.output
