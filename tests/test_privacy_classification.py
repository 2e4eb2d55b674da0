import json
from pathlib import Path

import pandas as pd
import pytest
from privacy_fixtures import COLUMN_TAGS, MARTS, write_manifest

from assets.entities import Pii
from assets.privacy.classification import (
    canonical_pii_tags,
    find_untagged_pii,
    pii_by_content,
    pii_by_name,
    pii_tags_from_manifest,
)


@pytest.mark.parametrize(
    ("name", "tag"),
    [
        ("email", Pii.EMAIL),
        ("Email_Norm", Pii.EMAIL),
        ("Contact E-Mail", Pii.EMAIL),
        ("phone_mobile", Pii.PHONE),
        ("mobile", Pii.PHONE),
        ("first_name", Pii.NAME),
        ("address_norm", Pii.ADDRESS),
        ("dob", Pii.BIRTH_DATE),
        ("wechat_id", Pii.SOCIAL_ID),
        ("email_count", None),
        ("has_phone", None),
        ("email_domain", None),
        ("product_name", None),
        ("clv", None),
    ],
)
def test_pii_by_name(name, tag):
    assert pii_by_name(name) == tag


def test_pii_by_content():
    assert pii_by_content(pd.Series(["a@qq.com", "b@163.com", None, ""])) == Pii.EMAIL
    assert pii_by_content(pd.Series(["138 1234 5678", "+8613987654321", "x"])) == Pii.PHONE
    assert pii_by_content(pd.Series(["上海", "北京"])) is None
    assert pii_by_content(pd.Series([], dtype=object)) is None


def test_manifest_tags(tmp_path):
    tags = pii_tags_from_manifest(write_manifest(tmp_path / "manifest.json"))
    assert tags["dim_customer"]["email"] == Pii.EMAIL
    assert tags["fct_orders"] == {}


def test_manifest_bad_tag_and_missing_file(tmp_path):
    with pytest.raises(ValueError, match=r"dim_customer column email: meta.pii 'mail'.*fix"):
        pii_tags_from_manifest(write_manifest(tmp_path / "m.json", {"dim_customer": {"email": "mail"}}))
    with pytest.raises(FileNotFoundError, match="dbt parse"):
        pii_tags_from_manifest(tmp_path / "missing.json")


def test_untagged_pii_found_by_name_and_content():
    frame = MARTS["dim_customer"].assign(contact=["x@qq.com", "y@163.com"])
    tags = {"full_name": Pii.NAME, "email": Pii.EMAIL}
    found = {(f.column, f.looks_like, f.evidence) for f in find_untagged_pii("dim_customer", frame, tags)}
    assert found == {
        ("phone_mobile", Pii.PHONE, "name"),
        ("birth_date", Pii.BIRTH_DATE, "name"),
        ("contact", Pii.EMAIL, "content"),
    }
    allowed = find_untagged_pii("dim_customer", frame, tags, frozenset({"dim_customer.contact"}))
    assert "contact" not in {f.column for f in allowed}
    assert "meta: {pii: phone}" in str(next(f for f in allowed if f.column == "phone_mobile"))


def test_fully_tagged_fixture_marts_pass():
    for table, frame in MARTS.items():
        tags = {c: Pii(t) for c, t in COLUMN_TAGS[table].items()}
        assert find_untagged_pii(table, frame, tags) == []


def test_every_canonical_pii_column_is_recognised_by_name_or_tag():
    # the name patterns must catch every canonical PII column a mart might pass through untagged
    missing = {c for c, t in canonical_pii_tags().items() if t != Pii.FREE_TEXT and pii_by_name(c) is None}
    assert missing == set()


@pytest.mark.slow
def test_project_marts_pii_tagged(tmp_path):
    """The real dbt project: every mart/snapshot column whose name says PII carries a meta.pii tag, and
    every contracted mart declares all its columns (so the tags cover everything the mart holds)."""
    import os
    import shutil
    import subprocess
    import sys

    from assets.layout import REPO_ROOT

    project = REPO_ROOT / "dbt_project"
    exe = shutil.which("dbt", path=str(Path(sys.executable).parent)) or "dbt"
    result = subprocess.run(
        [exe, "parse", "--project-dir", str(project), "--profiles-dir", str(project), "--no-partial-parse",
         "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
        cwd=project, capture_output=True, text=True, timeout=300,
        env={**os.environ, "C360_DATA_DIR": str(tmp_path / "data"), "DO_NOT_TRACK": "1"},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:]
    manifest_path = tmp_path / "target" / "manifest.json"
    tags = pii_tags_from_manifest(manifest_path)
    nodes = json.loads(manifest_path.read_text())["nodes"].values()
    marts = [
        n
        for n in nodes
        if n["resource_type"] == "snapshot" or (n["resource_type"] == "model" and "marts" in n["fqn"])
    ]
    assert {"dim_customer", "mart_customer_profile", "fct_orders"} <= {n["name"] for n in marts}
    problems = []
    for node in marts:
        frame = pd.DataFrame(columns=list(node["columns"]))
        problems += [str(f) for f in find_untagged_pii(node["name"], frame, tags.get(node["name"], {}))]
    assert problems == []
    assert tags["dim_customer"]["email"] == Pii.EMAIL
