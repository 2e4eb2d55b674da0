"""Vendor header variants reach the canonical columns; a person source that maps no identifier fails loudly."""

from __future__ import annotations

from pathlib import Path

import pytest

from assets.ingest.config import SourcesConfigError, load_sources_config
from assets.ingest.headers import compact_key
from assets.ingest.ingest import check_drift, ingest_source, map_columns, read_raw
from assets.ingest.manifest import read_manifest
from assets.layout import REPO_ROOT, DataLayout
from assets.parquet_files import read_parquet
from assets.standardise.partition import standardise_partition
from assets.validate import validate_partition

DAY = "2026-03-01"


def vendor_source(tmp_path: Path, vendor: str, name: str = "v", extra: str = ""):
    """A sources.yaml with nothing but `use:` and `glob:` for a shipped vendor mapping."""
    (tmp_path / "vendors").mkdir(exist_ok=True)
    (tmp_path / "vendors" / vendor).write_text(
        (REPO_ROOT / "config" / "vendors" / vendor).read_text(encoding="utf-8"), encoding="utf-8"
    )
    path = tmp_path / "sources.yaml"
    path.write_text(f"sources:\n  - name: {name}\n    use: vendors/{vendor}\n    glob: '{name}/*'\n{extra}")
    return load_sources_config(path).get(name)


def mapped(tmp_path: Path, vendor: str, header_line: str) -> dict[str, str]:
    cfg = vendor_source(tmp_path, vendor)
    headers = header_line.split(",")
    mapping, _ = map_columns(headers, cfg)
    check_drift(headers, mapping, cfg, "v/file.csv")
    return mapping


def test_label_api_and_snake_spellings_are_one_header():
    assert compact_key("Mailing City") == compact_key("MailingCity") == compact_key("mailing_city")
    assert compact_key("ＭＡＩＬＩＮＧ-City") == "mailingcity"
    assert compact_key("Account.Name") == compact_key("Account Name") != compact_key("AccountId")
    assert compact_key("Mailing Zip/Postal Code") == "mailingzippostalcode"


SALESFORCE_API = (
    "Id,FirstName,LastName,Name,Email,MobilePhone,Phone,HomePhone,OtherPhone,MailingStreet,MailingCity,"
    "MailingState,MailingPostalCode,MailingCountry,Birthdate,AccountId,Account.Name,Title,CreatedDate,"
    "LastModifiedDate"
)


def test_salesforce_api_name_export(tmp_path):
    m = mapped(tmp_path, "salesforce_contacts.yaml", SALESFORCE_API)
    assert m == {
        "Id": "source_record_id",
        "FirstName": "given_name",
        "LastName": "family_name",
        "Name": "full_name",
        "Email": "email",
        "MobilePhone": "phone_mobile",
        "Phone": "phone_office",
        "HomePhone": "phone_home",
        "OtherPhone": "phone_other",
        "MailingStreet": "address",
        "MailingCity": "city",
        "MailingState": "province",
        "MailingPostalCode": "postcode",
        "MailingCountry": "country",
        "Birthdate": "birth_date",
        "Account.Name": "company",
        "Title": "title",
        "CreatedDate": "created_at",
        "LastModifiedDate": "updated_at",
    }  # fmt: skip  (AccountId is an account's key, not a person's: kept in _extra)


def test_salesforce_label_export_and_snake_case_dump(tmp_path):
    labels = mapped(
        tmp_path,
        "salesforce_contacts.yaml",
        "Contact ID,First Name,Last Name,Mobile,Mailing City,Mailing State/Province,Account Name,Created Date",
    )
    assert sorted(labels.values()) == sorted(
        ["source_record_id", "given_name", "family_name", "phone_mobile", "city", "province", "company",
         "created_at"]
    )  # fmt: skip
    snake = mapped(tmp_path, "salesforce_contacts.yaml", "id,first_name,last_name,mobile_phone,mailing_city")
    assert list(snake.values()) == ["source_record_id", "given_name", "family_name", "phone_mobile", "city"]


def test_zoho_contact_id_and_api_names(tmp_path):
    old = mapped(
        tmp_path, "zoho_contacts.yaml", "Contact Id,Contact Owner,First Name,Last Name,Date of Birth"
    )
    assert old == {
        "Contact Id": "source_record_id", "Contact Owner": "owner", "First Name": "given_name",
        "Last Name": "family_name", "Date of Birth": "birth_date",
    }  # fmt: skip
    api = mapped(tmp_path, "zoho_contacts.yaml", "id,Last_Name,Full_Name,Mailing_City,Created_Time")
    assert list(api.values()) == ["source_record_id", "family_name", "full_name", "city", "created_at"]


def test_fxiaoke_person_is_the_contact_and_the_account_is_the_company(tmp_path):
    m = mapped(
        tmp_path, "fxiaoke_customers.yaml", "客户编号,客户名称,联系人,手机,电话,邮箱,生日,省份,城市,详细地址"
    )
    assert m["联系人"] == "full_name" and m["客户名称"] == "company"
    assert [m[h] for h in ("手机", "电话", "邮箱", "生日", "省份", "城市", "详细地址")] == [
        "phone_mobile", "phone_office", "email", "birth_date", "province", "city", "address",
    ]  # fmt: skip
    both = mapped(tmp_path, "fxiaoke_customers.yaml", "客户编号,客户名称,联系人姓名,公司")
    assert both == {"客户编号": "source_record_id", "联系人姓名": "full_name", "公司": "company"}
    # a B2C export: no contact column, the account is the person (its company in 公司)
    b2c = mapped(tmp_path, "fxiaoke_customers.yaml", "客户编号,客户名称,手机,公司")
    assert b2c == {
        "客户编号": "source_record_id",
        "客户名称": "full_name",
        "手机": "phone_mobile",
        "公司": "company",
    }


def test_hubspot_labels_and_api_properties(tmp_path):
    m = mapped(
        tmp_path, "hubspot_contacts.yaml", "hs_object_id,firstname,lastname,email,mobilephone,createdate"
    )
    assert list(m.values()) == [
        "source_record_id",
        "given_name",
        "family_name",
        "email",
        "phone_mobile",
        "created_at",
    ]


@pytest.mark.parametrize("header", ["UI_HEADER", "API_HEADER"])
def test_hubspot_exports_map_every_property_with_a_canonical_home(tmp_path, header):
    """Both spellings of a HubSpot contacts export (UI labels incl. renamed ones, API property names): every
    property the contact entity has a column for is mapped; only HubSpot's own statuses stay in `_extra`."""
    from assets.sample import hubspot

    headers = getattr(hubspot, header)
    m = mapped(tmp_path, "hubspot_contacts.yaml", ",".join(headers))
    assert set(headers) - set(m) <= {"Lead Status", "hs_lead_status", "Marketing contact status"}
    assert {"source_record_id", "given_name", "family_name", "email", "phone_office", "phone_mobile", "owner",
            "created_at", "updated_at", "birth_date", "company", "title", "postcode"} <= set(m.values())  # fmt: skip
    if header == "API_HEADER":  # the API names of the enumerations the sample's sync leaves out
        m = mapped(
            tmp_path, "hubspot_contacts.yaml", "hs_object_id,lifecyclestage,industry,hs_analytics_source"
        )
    assert {"segment", "industry", "lead_source"} <= set(m.values())


@pytest.mark.parametrize(
    ("headers", "chosen"),
    [
        ("StartDate,EndDate,Status,RecordedDate,ResponseId", "RecordedDate"),
        ("StartDate,EndDate,Status,ResponseId", "EndDate"),
        ("StartDate,Status,ResponseId", "StartDate"),
        ("Start Date,End Date,Response ID", "End Date"),
    ],
)
def test_qualtrics_submitted_at_falls_back_to_end_then_start_date(tmp_path, headers, chosen):
    m = mapped(tmp_path, "qualtrics_survey.yaml", headers)
    assert {h for h, t in m.items() if t == "submitted_at"} == {chosen}


def test_contact_source_mapping_no_identifier_fails_the_config_check(tmp_path):
    path = tmp_path / "sources.yaml"
    path.write_text(
        "sources:\n  - name: crm\n    entity: contact\n    glob: 'crm/*'\n"
        "    columns: {Id: source_record_id, Account: company}\n"
    )
    with pytest.raises(SourcesConfigError) as err:
        load_sources_config(path)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: sources[0:crm]: a contact source must map at least one identifier")
    assert "'Id'→source_record_id, 'Account'→company" in message


@pytest.fixture
def layout(tmp_path: Path) -> DataLayout:
    (tmp_path / "landing").mkdir()
    return DataLayout(root=tmp_path, landing=str(tmp_path / "landing"), config_dir=tmp_path)


def land(layout: DataLayout, key: str, text: str, encoding: str = "utf-8") -> None:
    path = Path(layout.landing) / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))


def test_a_file_whose_headers_map_no_identifier_fails_with_the_headers_named(layout, tmp_path):
    cfg = vendor_source(tmp_path, "salesforce_contacts.yaml", name="salesforce")
    land(layout, "salesforce/ids_only.csv", "Id,AccountId,Nickname\n003A,001X,Bob\n")
    land(layout, "salesforce/good.csv", "Id,FirstName,LastName\n003B,Anna,Walker\n")
    result = ingest_source(cfg, layout, DAY)
    status = {f.key: (f.status, f.error) for f in result.files}
    assert status["salesforce/good.csv"][0] == "loaded"
    state, error = status["salesforce/ids_only.csv"]
    assert state == "failed" and "\n" not in error
    assert error.startswith("salesforce/ids_only.csv: source 'salesforce' (contact) maps no identifier")
    assert "headers seen: 'Id', 'AccountId', 'Nickname'" in error
    assert read_manifest(layout).set_index("key").loc["salesforce/ids_only.csv", "status"] == "failed"


def test_zoho_birth_dates_in_us_format_reach_the_person_records(layout, tmp_path):
    """Only `use:` and `glob:`: the vendor's MM/dd/yyyy reaches silver/contact AND the linkage's person records."""
    cfg = vendor_source(tmp_path, "zoho_contacts.yaml", name="zoho")
    land(
        layout,
        "zoho/contacts.csv",
        "\ufeffContact Id,First Name,Last Name,Email,Date of Birth,Modified Time\n"
        "zcrm_1,Anna,Walker,anna@example.com,04/12/1985,03/01/2026 09:15 AM\n"
        "zcrm_2,Zoe,Johnson,zoe@example.com,12/31/1990,02/01/2026 05:00 PM\n",
    )
    ingest_source(cfg, layout, DAY)
    validated = validate_partition(cfg, layout, DAY)
    assert validated.total("rows_quarantined") == 0
    standardise_partition(layout, [cfg], DAY)
    silver = read_parquet(layout.silver("contact", DAY))
    persons = read_parquet(layout.silver("person", DAY)).set_index("source_record_id")
    assert silver["birth_date_date"].dt.strftime("%Y-%m-%d").tolist() == ["1985-04-12", "1990-12-31"]
    assert persons.loc[["zcrm_1", "zcrm_2"], "birth_date"].tolist() == ["1985-04-12", "1990-12-31"]
    assert persons.loc["zcrm_1", "given_name"] == "anna"
    assert read_raw(next(layout.raw("zoho", DAY).glob("*.parquet")))["source_record_id"].tolist() == [
        "zcrm_1",
        "zcrm_2",
    ]


def test_a_second_header_of_one_column_fills_the_rows_the_first_leaves_empty(layout, tmp_path):
    """A Taiwanese CRM's 中文姓名 and 英文姓名 both mapped to full_name: the first listed wins where it has a value,
    the other fills the rows where it is empty or blank (before, those rows had no name at all), and both stay in
    `_extra` as delivered; a row neither fills keeps its own cell."""
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - name: twcrm\n    entity: contact\n    format: csv\n    glob: 'twcrm/*'\n"
        "    columns: {客戶編號: source_record_id, 中文姓名: full_name, 英文姓名: full_name, 手機: phone_mobile}\n",
        encoding="utf-8",
    )
    cfg = load_sources_config(tmp_path / "sources.yaml").get("twcrm")
    land(
        layout,
        "twcrm/customers.csv",
        "客戶編號,英文姓名,中文姓名,手機\n"
        "T1,Raymond Chang,張怡志,0912345678\n"
        "T2,Jason Chen,,0923456789\n"
        "T3,Fiona Lam,  ,0934567890\n"
        "T4,,,0945678901\n",
    )
    result = ingest_source(cfg, layout, DAY)
    assert [f.status for f in result.files] == ["loaded"]
    raw = read_raw(next(layout.raw("twcrm", DAY).glob("*.parquet")))
    assert raw["full_name"].tolist()[:3] == ["張怡志", "Jason Chen", "Fiona Lam"]
    assert raw["full_name"].fillna("").tolist()[3] == ""  # neither header has a value: the row's own cell
    assert "Raymond Chang" in raw["_extra"][0] and "Fiona Lam" in raw["_extra"][2]
