"""The sample generator: real encodings, consistent truth, deterministic by seed, ingestible end to end."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from assets.ingest import ingest_source, load_sources_config
from assets.layout import REPO_ROOT, DataLayout
from assets.sample import generate_sample
from assets.sample.people import make_customers
from assets.validate import validate_partition
from linkage.standardise.phone import phone_type


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("sample")
    return out, generate_sample(out, customers=300, seed=3)


def test_encodings_and_layouts_are_the_vendors(sample):
    out, _ = sample
    fx = next((out / "landing" / "fxiaoke").glob("*.csv")).read_bytes()
    assert fx.decode("gbk").startswith("客户编号,客户名称")
    assert (out / "landing/zoho/Contacts_2026_03.csv").read_bytes().startswith(b"\xef\xbb\xbfRecord Id")
    assert b"\r\n" in (out / "landing/salesforce/Contacts_Export.csv").read_bytes()[:400]
    survey = (out / "landing/survey/NPS_Survey_Qualtrics.csv").read_text(encoding="utf-8-sig").splitlines()
    assert survey[2].startswith('"{""ImportId""')
    hub = (out / "landing/hubspot/hubspot-crm-exports-all-contacts-2026-03-01.csv").read_bytes()
    assert hub.startswith("\ufeffRecord ID,First Name,Last Name,Email,Phone Number".encode())
    assert (out / "landing/hubspot/contacts_api_sync.csv").read_bytes().startswith(b"hs_object_id,firstname")


def test_truth_is_consistent(sample):
    out, summary = sample
    truth = pd.read_csv(out / "truth/ground_truth.csv", dtype=str)
    customers = pd.read_csv(out / "truth/customers.csv", dtype=str)
    assert not truth.duplicated(["source", "source_record_id"]).any()
    assert set(truth["true_customer_id"]) <= set(customers["true_customer_id"])
    assert summary["person_records"] == len(truth)
    sf = pd.read_csv(out / "landing/salesforce/Contacts_Export.csv", dtype=str, keep_default_na=False)
    api = pd.read_csv(out / "landing/salesforce/contacts_api_export.csv", dtype=str, keep_default_na=False)
    ids = set(truth.loc[truth["source"] == "salesforce", "source_record_id"])
    assert ids == (set(sf["Contact ID"]) | set(api["Id"])) - {""}  # labels export + API-name export
    hub = pd.read_csv(out / "landing/hubspot/hubspot-crm-exports-all-contacts-2026-03-01.csv", dtype=str,
                      encoding="utf-8-sig", keep_default_na=False)  # fmt: skip
    hub_api = pd.read_csv(out / "landing/hubspot/contacts_api_sync.csv", dtype=str, keep_default_na=False)
    hub_truth = truth.loc[truth["source"] == "hubspot"]
    hub_ids = (set(hub["Record ID"]) | set(hub_api["hs_object_id"])) - {""}
    assert (
        set(hub_truth["source_record_id"]) <= hub_ids and len(hub_ids) - len(hub_truth) == 1
    )  # the bad date
    # a subset of the same customers, some held twice (a duplicate contact inside HubSpot)
    assert 0 < hub_truth["true_customer_id"].nunique() < len(customers)
    assert hub_truth["true_customer_id"].duplicated().any()
    assert hub["Lifecycle Stage"].ne("").mean() > 0.8 and hub_api["email"].ne("").mean() > 0.8
    orders = pd.read_csv(out / "truth/orders.csv")
    assert (~orders["valid"]).sum() == 3 and set(orders["currency"]) == {"CNY", "USD", "HKD"}
    # traps: different people share a common name, an office phone, a generic email
    assert customers.groupby("full_name")["true_customer_id"].nunique().max() > 1
    assert customers.groupby("office_phone")["true_customer_id"].nunique().max() > 1
    assert customers["shared_email"].dropna().str.contains("@").any()  # info@, sales@ … of a company
    assert customers["household"].dropna().duplicated().any() and customers["office_ext"].notna().any()


def test_the_world_beyond_the_mainland_is_planted(sample):
    """Families on one home landline under one surname, Hong Kong / Taiwanese spellings, Japanese and Korean
    names in their own script, work mailboxes beside private ones, the Taiwan CRM's two name columns and ROC
    dates: each a few % of people, with the truth keeping the family members apart."""
    out, _ = sample
    customers = pd.read_csv(out / "truth/customers.csv", dtype=str, keep_default_na=False)
    families = customers[customers["family"] != ""].groupby("family")
    assert families.ngroups >= 3
    assert (families["home_phone"].nunique() == 1).all() and (families["family_latin"].nunique() == 1).all()
    assert (families["true_customer_id"].nunique() == families.size()).all()  # different people
    assert {"kanji", "hangul"} <= set(customers["name_script"])
    hk = customers[(customers["country"] == "HK") & (customers["name_script"] == "hanzi")]
    assert hk["family_latin"].isin(["Chan", "Wong", "Cheung", "Lee", "Lau"]).any()
    assert customers["work_email"].ne("").mean() > 0.02
    tw = pd.read_csv(next((out / "landing/twcrm").glob("*.csv")), dtype=str, encoding="big5hkscs",
                     keep_default_na=False)  # fmt: skip
    assert tw["生日"].str.startswith("民國").any() and tw["英文姓名"].ne("").all()


def test_japanese_and_korean_mobiles_are_mobile_numbers():
    """A Japanese mobile is 070/080/090 and eight digits, the first no 0: 080-0… is Japan's toll-free 0800 and
    090-0… no number (10 of the 77 Japanese mobiles of sample10k were)."""
    people = make_customers(3000, np.random.default_rng(5), np.random.default_rng([5, 0x0419]))
    east = people[people["country"].isin(["JP", "KR"])]
    kinds = phone_type(east["mobile"].astype("string"))
    assert len(east) > 50 and kinds.eq("mobile").all(), east.loc[kinds.ne("mobile"), ["country", "mobile"]]


def test_deterministic_by_seed(tmp_path):
    def digest(root: Path) -> dict[str, str]:
        return {
            str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*"))
            if p.is_file()
        }

    generate_sample(tmp_path / "a", customers=60, seed=11)
    generate_sample(tmp_path / "b", customers=60, seed=11)
    generate_sample(tmp_path / "c", customers=60, seed=12)
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    assert digest(tmp_path / "a") != digest(tmp_path / "c")


def test_sample_ingests_with_the_shipped_config_and_quarantines_only_the_planted_rows(sample, tmp_path):
    out, summary = sample
    config = load_sources_config(REPO_ROOT / "config" / "sources.yaml")
    layout = DataLayout(root=tmp_path, landing=str(out / "landing"), config_dir=REPO_ROOT / "config")
    quarantined = {}
    assert all(summary["records"].get(src.name) for src in config.sources)  # every configured source delivers
    for src in config.sources:
        result = ingest_source(src, layout, "2026-03-01")
        assert all(f.status == "loaded" for f in result.files), [f.error for f in result.files]
        v = validate_partition(src, layout, "2026-03-01")
        assert v.total("rows_in") == summary["records"].get(src.name, 0)
        quarantined[src.name] = v.total("rows_quarantined")
    assert quarantined == {"salesforce": 1, "zoho": 1, "fxiaoke": 1, "hubspot": 2, "orders": 3, "survey": 2,
                           "enrichment": 1, "interactions": 1, "campaigns": 0, "twcrm": 0}  # fmt: skip
