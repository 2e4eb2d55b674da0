"""sources.yaml: shipped vendor mappings load; errors name the file, the key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from assets.ingest.config import SourceConfig, SourcesConfigError, header_key, load_sources_config
from assets.ingest.ingest import check_drift, map_columns
from assets.layout import REPO_ROOT
from tests.source_fixtures import contact_sources_yaml

YAML = contact_sources_yaml("crm")

# First lines of real exports of each vendor mapping we ship.
VENDOR_HEADERS = {
    "vendors/salesforce_contacts.yaml": "Contact ID,First Name,Last Name,Email,Mobile,Mailing City,Created Date",
    "vendors/zoho_contacts.yaml": "Record Id,First Name,Last Name,Email,Mobile,Mailing City,Created Time,Skype ID",
    "vendors/fxiaoke_customers.yaml": "客户编号,客户名称,手机,邮箱,省份,城市,地址,公司,创建时间",
    "vendors/hubspot_contacts.yaml": "Record ID,First Name,Last Name,Email,Phone Number,Company Name,Create Date",
    "vendors/qualtrics_survey.yaml": "StartDate,EndDate,RecordedDate,ResponseId,ExternalReference,Q1,Q2",
    "vendors/jsonl_enrichment.yaml": "id,name,email,mobile,wechat,updated_at,match_score",
}


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.yaml"
    path.write_text(text)
    return path


def test_shipped_config_loads():
    config = load_sources_config(REPO_ROOT / "config" / "sources.yaml")
    names = [s.name for s in config.sources]
    assert {"salesforce", "zoho", "fxiaoke", "hubspot", "survey", "enrichment", "orders"} <= set(names)
    assert config.get("survey").skip_rows_after_header == 2


@pytest.mark.parametrize("vendor", sorted(VENDOR_HEADERS))
def test_vendor_mappings_cover_their_exports(tmp_path, vendor):
    (tmp_path / "vendors").mkdir()
    (tmp_path / vendor).write_text(
        (REPO_ROOT / "config" / vendor).read_text(encoding="utf-8"), encoding="utf-8"
    )
    cfg = load_sources_config(
        write(tmp_path, f"sources:\n  - name: v\n    use: {vendor}\n    glob: 'v/*'\n")
    ).sources[0]
    headers = VENDOR_HEADERS[vendor].split(",")
    mapping, unmapped = map_columns(headers, cfg)
    check_drift(headers, mapping, cfg, "v/file")  # required columns present
    assert len(unmapped) <= 2, unmapped


def test_headers_match_despite_case_whitespace_bom_and_full_width():
    assert header_key("\ufeff  Contact  ID ") == header_key("contact id") == header_key("ＣＯＮＴＡＣＴ ID")
    cfg = SourceConfig(
        name="s", entity="contact", glob="*", columns={"Contact ID": "source_record_id", "Name": "full_name"}
    )
    assert map_columns(["\ufeffcontact id", "Extra"], cfg) == (
        {"\ufeffcontact id": "source_record_id"},
        ["Extra"],
    )


@pytest.mark.parametrize(
    ("patch", "message"),
    [
        ("format: csvx", "sources[0:crm].format: Input should be 'csv', 'tsv', 'xlsx', 'jsonl' or 'json'"),
        ("entity: person", "sources[0:crm].entity: unknown entity 'person'"),
        (
            "colums: {}",
            "sources[0:crm].colums: Extra inputs are not permitted — remove it or fix its spelling",
        ),
        ("date_formats: ['dd/mm/yyyy']", "is not a strftime pattern"),
        ("pii: {Notes: secret}", "sources[0:crm].pii.Notes: Input should be"),
    ],
)
def test_config_errors_name_file_key_and_fix(tmp_path: Path, patch: str, message: str):
    key = patch.split(":")[0]
    text = "\n".join(line for line in YAML.splitlines() if not line.strip().startswith(f"{key}:"))
    path = write(tmp_path, text + f"\n    {patch}\n")
    with pytest.raises(SourcesConfigError) as err:
        load_sources_config(path)
    assert str(err.value).startswith(f"{path}: ")
    assert message in str(err.value)


def test_unknown_canonical_column_is_named(tmp_path):
    path = write(tmp_path, YAML.replace("Name: full_name", "Name: fullname"))
    with pytest.raises(
        SourcesConfigError, match=r"'Name' maps to 'fullname', not a column of entity 'contact'"
    ):
        load_sources_config(path)


def test_the_crms_customer_tier_is_the_segment():
    """zoho's `Customer Tier` and 纷享销客's 客户级别 carry the customer type the marts segment by."""
    from assets.ingest.config import header_key, load_sources_config
    from assets.layout import REPO_ROOT

    config = load_sources_config(REPO_ROOT / "config" / "sources.yaml")
    assert config.get("zoho").header_map()[header_key("Customer Tier")] == "segment"
    assert config.get("fxiaoke").header_map()[header_key("客户级别")] == "segment"
