"""`values:` in a source mapping: a vendor's internal codes become the labels silver carries."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from assets.ingest import ingest_source, load_sources_config
from assets.ingest.config import SourcesConfigError
from assets.layout import REPO_ROOT, DataLayout
from assets.sample import generate_sample
from assets.sample.hubspot import API_FILE, SOURCES, STAGES
from assets.standardise.partition import standardise_partition
from assets.standardise.silver import recode
from assets.validate import validate_partition

RUN = "2026-03-01"


def test_hubspot_api_enumerations_reach_silver_as_the_ui_labels(tmp_path):
    out = tmp_path / "sample"
    generate_sample(out, customers=300, seed=3)
    delivered = pd.read_csv(out / "landing" / API_FILE, dtype=str, keep_default_na=False)
    assert delivered["lifecyclestage"].isin(["marketingqualifiedlead", "customer"]).any()  # codes, not labels
    config = load_sources_config(REPO_ROOT / "config" / "sources.yaml")
    source = config.get("hubspot")
    layout = DataLayout(root=tmp_path / "data", landing=str(out / "landing"), config_dir=REPO_ROOT / "config")
    ingest_source(source, layout, RUN)
    validate_partition(source, layout, RUN)
    standardise_partition(layout, [source], RUN)
    silver = pd.read_parquet(layout.silver("contact", RUN))
    api = silver[silver["_file"].astype(str).str.endswith("contacts_api_sync.csv")]
    assert len(api) > 10
    stage, source, industry = (api[c].fillna("").astype(str) for c in ("segment", "lead_source", "industry"))
    assert stage[stage != ""].isin(STAGES).all() and (stage != "").mean() > 0.8
    assert source.isin(SOURCES).all()
    assert industry[industry != ""].str.contains(r"^[A-Z][a-z]").all()  # "Computer Software", no CODE_NAME
    bronze_codes = pd.read_csv(out / "landing" / API_FILE, dtype=str)["lifecyclestage"].dropna()
    assert set(bronze_codes) & {"marketingqualifiedlead"} and not set(api["segment"]) & set(bronze_codes)


def test_recode_ignores_case_and_blanks_and_keeps_what_it_does_not_know():
    codes = {"marketingqualifiedlead": "Marketing Qualified Lead", "OFFLINE": "Offline Sources"}
    column = pd.Series([" MarketingQualifiedLead ", "offline", "Customer", None], dtype="string")
    assert recode(column, codes).tolist() == [
        "Marketing Qualified Lead",
        "Offline Sources",
        "Customer",
        pd.NA,
    ]


def _config(tmp_path, entry: str):
    shutil.copytree(REPO_ROOT / "config" / "vendors", tmp_path / "vendors")
    (tmp_path / "sources.yaml").write_text(f"sources:\n  - {entry}\n", encoding="utf-8")
    return load_sources_config(tmp_path / "sources.yaml")


def test_an_entrys_own_values_add_to_the_vendors(tmp_path):
    cfg = _config(
        tmp_path,
        "{name: hubspot, glob: 'hubspot/*.csv', use: vendors/hubspot_contacts.yaml,"
        " values: {segment: {vip: VIP}}}",
    ).get("hubspot")
    assert cfg.values["segment"]["vip"] == "VIP"
    assert cfg.values["segment"]["customer"] == "Customer" and "lead_source" in cfg.values


@pytest.mark.parametrize(
    ("values", "named"),
    [("{colour: {r: Red}}", "colour"), ("{segment: 3}", "values.segment")],
    ids=["a column the entity lacks", "codes that are not a mapping"],
)
def test_bad_values_fail_in_one_line(tmp_path, values, named):
    with pytest.raises(SourcesConfigError) as err:
        _config(
            tmp_path,
            f"{{name: hubspot, glob: 'h/*.csv', use: vendors/hubspot_contacts.yaml, values: {values}}}",
        )
    assert named in str(err.value) and "\n" not in str(err.value)
