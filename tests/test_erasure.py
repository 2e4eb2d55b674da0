"""End to end: a person asks to be forgotten; the next run removes them from every layer (linkage/history
included), the warehouse, the run reports and every delivered target, and a re-delivered old export does not
bring them back — with plain files and with encryption at rest (C360_ENCRYPTION_KEY)."""

import io
import os
from pathlib import Path

import boto3
import pandas as pd
import psycopg
import pytest
import yaml
from pg_server import running_postgres
from privacy_fixtures import MARTS, build_warehouse, make_layout, moto_s3, write_manifest

from assets.deliver.config import load_delivery_config
from assets.deliver.run import deliver_target
from assets.ingest.config import SourceConfig
from assets.ingest.ingest import ingest_source
from assets.layout import REPO_ROOT
from assets.parquet_files import is_encrypted_parquet, read_parquet
from assets.privacy.audit import read_audit
from assets.privacy.encryption import connect_warehouse, warehouse_is_encrypted
from assets.privacy.erasure import apply_erasures, read_requests, record_erasure_request
from assets.privacy.tombstones import drop_erased, read_tombstones
from assets.validate.validate import validate_partition

pytestmark = pytest.mark.services

CRM = SourceConfig(
    name="crm",
    entity="contact",
    glob="crm/**/*.csv",
    columns={
        "客户编号": "source_record_id",
        "姓名": "full_name",
        "邮箱": "email",
        "手机": "phone_mobile",
        "生日": "birth_date",
    },
    primary_key=["source_record_id"],
)
EXPORT = (
    "客户编号,姓名,邮箱,手机,生日\n"
    "CRM-1,张伟,Zhang.Wei@163.com,138 1234 5678,1985-03-02\n"
    "CRM-2,李娜,li.na@qq.com,139-8765-4321,1990-11-30\n"
    "CRM-3,张伟,zhang.wei@163.com,,1985-13-45\n"  # same person, a bad date: quarantined
)
# What identifies 张伟 anywhere (clear text, E.164, ids) and what must survive (李娜).
GONE = ("zhang", "13812345678", "C-0001", "CRM-1", "CRM-3", "M-77", "张伟", "张*")
KEPT = ("C-0002", "CRM-2")


def _text(frame: pd.DataFrame) -> str:
    return frame.astype(str).to_csv(index=False).lower()


def _lake_text(layout) -> dict[str, str]:
    """Every Parquet file of the data directory, as text (decrypted)."""
    return {
        str(p.relative_to(layout.root)): _text(read_parquet(p))
        for p in layout.root.rglob("*.parquet")
        if "erasure" not in p.parts
    }


def _warehouse_text(layout) -> dict[str, str]:
    with connect_warehouse(layout.warehouse) as (con, catalog):
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables where table_catalog = ?",
            [catalog],
        ).fetchall()
        return {f"{s}.{t}": _text(con.execute(f'select * from "{s}"."{t}"').df()) for s, t in tables}


def _s3_text() -> dict[str, str]:
    client = boto3.client("s3")
    out = {}
    for obj in client.list_objects_v2(Bucket="lake").get("Contents", []):
        body = client.get_object(Bucket="lake", Key=obj["Key"])["Body"].read()
        out[obj["Key"]] = (
            _text(pd.read_parquet(io.BytesIO(body)))
            if obj["Key"].endswith(".parquet")
            else body.decode().lower()
        )
    return out


def _pg_text(dsn: str) -> dict[str, str]:
    with psycopg.connect(dsn) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "select table_name from information_schema.tables where table_schema = 'bi'"
            )
        ]
        return {
            t: _text(pd.DataFrame(conn.execute(f'select * from bi."{t}"').fetchall()))
            for t in tables
            if t != "_c360_deliveries"
        }


def _assert_forgotten(places: dict[str, str], kept: bool = True):
    assert places, "nothing to check"
    for place, text in places.items():
        for token in GONE:
            assert token.lower() not in text, f"{token} still in {place}"
    if kept:
        assert any(token.lower() in text for text in places.values() for token in KEPT)


@pytest.fixture(params=["plain", "encrypted"])
def world(request, tmp_path, monkeypatch):
    """A customer file after one nightly run: layers, linkage (and its check baseline), warehouse, a run report,
    and three delivered targets. Encrypted: ingest writes encrypted files beside plain ones, the warehouse is
    still plain (the key was just set: erasure converts it)."""
    monkeypatch.setenv("C360_HMAC_KEY", "test-hmac-key")
    monkeypatch.setenv("C360_ACTOR", "dpo@example.org")
    if request.param == "encrypted":
        monkeypatch.setenv("C360_ENCRYPTION_KEY", "erasure test key")
    else:
        monkeypatch.delenv("C360_ENCRYPTION_KEY", raising=False)
    layout = make_layout(tmp_path / "data")
    landing = tmp_path / "data" / "landing" / "crm" / "2026-03-01"
    landing.mkdir(parents=True)
    (landing / "contacts.csv").write_text(EXPORT, encoding="utf-8")
    assert ingest_source(CRM, layout, "2026-03-01").count("loaded") == 1
    validation = validate_partition(CRM, layout, "2026-03-01")
    assert validation.total("rows_quarantined") == 1
    orders = pd.DataFrame(
        {"order_id": ["O-1", "O-3"], "customer_ref": ["M-77", "M-78"], "full_name": ["张伟", "李娜"], "amount": ["199", "1200"],
         "_source": "shop", "_file": "shop/orders.xlsx", "_line": [2, 3]}
    )  # fmt: skip
    for folder in (layout.raw("shop", "2026-03-01"), layout.bronze("shop", "2026-03-01")):
        folder.mkdir(parents=True)
        orders.to_parquet(folder / "0123456789abcdef.parquet")
    silver = layout.silver("person", "2026-03-01")
    silver.parent.mkdir(parents=True)
    pd.DataFrame(
        {"source": ["crm", "crm", "shop", "shop"], "source_record_id": ["CRM-1", "CRM-2", "M-77", "M-78"],
         "full_name": ["张伟", "李娜", "张伟", "李娜"],
         "emails": [["zhang.wei@163.com"], ["li.na@qq.com"], [], []], "phones": [["+8613812345678"], [], [], []]}
    ).to_parquet(silver)  # fmt: skip
    layout.linkage_dir.mkdir(parents=True)
    pd.DataFrame(
        {"source": ["crm", "shop", "crm", "shop"], "source_record_id": ["CRM-1", "M-77", "CRM-2", "M-78"],
         "customer_id": ["C-0001", "C-0001", "C-0002", "C-0002"], "cluster_size": [2, 2, 2, 2]}
    ).to_parquet(layout.linkage_dir / "customer_xref.parquet")  # fmt: skip
    pd.DataFrame(
        {"source_l": ["crm", "crm"], "id_l": ["CRM-1", "CRM-2"], "source_r": ["shop", "shop"], "id_r": ["M-77", "M-78"],
         "match_probability": [0.99, 0.98]}
    ).to_parquet(layout.linkage_dir / "match_pairs.parquet")  # fmt: skip
    (layout.linkage_dir / "history").mkdir()
    pd.DataFrame(
        {"source": ["crm", "shop", "crm"], "source_record_id": ["CRM-1", "M-77", "CRM-2"],
         "customer_id": ["C-0001", "C-0001", "C-0002"]}
    ).to_parquet(layout.linkage_dir / "history" / "accepted_xref_keys.parquet")  # fmt: skip
    layout.reports.mkdir()
    (layout.reports / "run_report_2026-03-01.html").write_text("<td>crm</td><td>CRM-1</td><td>张*</td>")
    build_warehouse(layout.warehouse)

    s3 = moto_s3(monkeypatch)
    s3.__enter__()
    boto3.client("s3").create_bucket(Bucket="lake")
    boto3.client("s3").put_bucket_versioning(Bucket="lake", VersioningConfiguration={"Status": "Enabled"})
    pg = running_postgres()
    dsn = pg.__enter__()
    monkeypatch.setenv("C360_PG_DSN", dsn)
    data = yaml.safe_load((REPO_ROOT / "config" / "delivery.yaml").read_text())
    data["dbt_manifest"] = str(write_manifest(tmp_path / "manifest.json"))
    tables = list(MARTS)
    data["targets"] = [
        {
            "name": "analyst",
            "kind": "parquet",
            "path": "exports/analyst",
            "policy": "analyst",
            "tables": tables,
        },
        {"name": "lake", "kind": "s3", "bucket": "lake", "policy": "pseudonymised", "tables": tables},
        {"name": "bi", "kind": "postgres", "schema": "bi", "policy": "full", "tables": tables},
    ]
    path = tmp_path / "delivery.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    config = load_delivery_config(path)
    for target in config.targets:
        deliver_target(config, target.name, layout, run_id="night-1", run_date="2026-03-01")
    try:
        yield layout, config, dsn
    finally:
        pg.__exit__(None, None, None)
        s3.__exit__(None, None, None)


def test_erased_everywhere_and_never_resurrected(world):
    layout, config, dsn = world
    # the person is there before
    assert any("zhang" in t for t in _lake_text(layout).values())
    assert any("c-0001" in t for t in _s3_text().values()) and any(
        "张伟" in t for t in _pg_text(dsn).values()
    )

    request_id = record_erasure_request(layout, email=" ZHANG.WEI@163.COM ")
    stored = read_requests(layout).to_csv() + read_tombstones(layout).to_csv()
    assert "zhang" not in stored.lower() and "163.com" not in stored.lower()  # only digests are kept

    report = apply_erasures(layout, config, run_id="night-2")
    assert report.requests == [request_id]
    assert report.removed["raw"] == 3 and report.removed["bronze"] == 2 and report.removed["quarantine"] == 1
    assert report.removed["silver"] == 2 and report.removed["linkage"] == 5  # 3 + 2 in linkage/history
    assert report.removed["reports (files)"] == 1 and not list(layout.reports.glob("*.html"))
    assert (
        report.removed["warehouse.marts.dim_customer"] == 1
        and report.removed["warehouse.marts.fct_orders"] == 2
    )
    assert report.removed["warehouse.snapshots.dim_customer_snapshot"] == 1
    assert (
        report.removed["delivery.analyst"] == 4
        and report.removed["delivery.lake"] == 4
        and report.removed["delivery.bi"] == 4
    )

    _assert_forgotten(_lake_text(layout))
    _assert_forgotten(_warehouse_text(layout))
    _assert_not_in_bytes(layout.warehouse)  # not in freed blocks either: the file was rewritten
    if encrypted := bool(
        os.environ.get("C360_ENCRYPTION_KEY")
    ):  # rewritten files and the warehouse: encrypted
        assert warehouse_is_encrypted(layout.warehouse)
        rewritten = [
            layout.raw("shop", "2026-03-01"),
            layout.silver("person", "2026-03-01").parent,
            layout.linkage_dir,
        ]
        assert all(is_encrypted_parquet(p) for d in rewritten for p in d.rglob("*.parquet"))
    _assert_forgotten(_s3_text())
    # a versioned bucket keeps old versions: those that held the person are gone too
    versions = boto3.client("s3").list_object_versions(Bucket="lake")
    assert all(v["IsLatest"] for v in versions.get("Versions", [])) and not versions.get("DeleteMarkers")
    _assert_forgotten(_pg_text(dsn))
    assert read_requests(layout)["status"].tolist() == ["applied"]

    # the CRM re-sends last month's export (re-formatted, one row with a new e-mail): nothing comes back
    resent = layout.root / "landing" / "crm" / "2026-03-02"
    resent.mkdir(parents=True)
    (resent / "contacts_resent.csv").write_text(
        EXPORT.replace("138 1234 5678", "+86-138-1234-5678").replace(
            "CRM-3,张伟,zhang.wei@163.com", "CRM-3,张伟,zw.new@126.com"
        )
        + "CRM-4,王芳,wang.fang@sina.com,13712345678,1970-01-01\n",
        encoding="utf-8",
    )
    result = ingest_source(CRM, layout, "2026-03-02")
    assert result.rows_erased == 2
    raw = pd.concat(read_parquet(p) for p in layout.raw("crm", "2026-03-02").glob("*.parquet"))
    assert all(
        is_encrypted_parquet(p) == encrypted for p in layout.raw("crm", "2026-03-02").glob("*.parquet")
    )
    assert sorted(raw["source_record_id"]) == ["CRM-2", "CRM-4"]

    # nothing changes on a second pass; the audit log tells who did what, without identifiers
    assert apply_erasures(layout, config).total == 0
    audit = read_audit(layout)
    assert audit["event"].tolist() == ["delivery"] * 3 + ["erasure_request", "erasure"]
    assert audit.loc[audit["event"] == "erasure", "rows"].item() == report.total
    assert set(audit["actor"]) == {"dpo@example.org"}
    assert "zhang" not in audit.to_csv().lower()


def _assert_not_in_bytes(path: Path) -> None:
    data = path.read_bytes()
    for value in ("zhang.wei@163.com", "+8613812345678", "张伟"):
        assert value.encode() not in data, f"{value} still in the bytes of {path}"


def test_crash_mid_erasure_is_retried_until_verified(world, monkeypatch):
    """A run killed after the zones were cleaned, before the warehouse and the targets: the retry still finds
    the person's customer id (kept as a tombstone first) in the masked exports, and only then records it applied."""
    layout, config, dsn = world
    record_erasure_request(layout, email="zhang.wei@163.com")

    def crash(*args, **kwargs):
        raise KeyboardInterrupt("killed")

    import assets.privacy.erasure as erasure

    with monkeypatch.context() as patched:
        patched.setattr(erasure, "_erase_warehouse", crash)
        with pytest.raises(KeyboardInterrupt):
            apply_erasures(layout, config)
    assert read_requests(layout)["status"].tolist() == ["pending"]
    assert not any("zhang" in t for t in _lake_text(layout).values())  # the zones were cleaned…
    assert any("c-0001" in t for t in _s3_text().values())  # …the masked exports not yet

    report = apply_erasures(layout, config)
    assert report.customer_ids >= 1 and report.removed["delivery.lake"] == 4
    assert report.removed["delivery.analyst"] == 4 and report.removed["delivery.bi"] == 4
    for places in (_lake_text(layout), _warehouse_text(layout), _s3_text(), _pg_text(dsn)):
        _assert_forgotten(places)
    assert read_requests(layout)["status"].tolist() == ["applied"]


def test_drop_erased_by_phone_and_customer_id(tmp_path, monkeypatch):
    monkeypatch.delenv("C360_HMAC_KEY", raising=False)  # plain SHA-256 without a key
    layout = make_layout(tmp_path)
    frame = pd.DataFrame(
        {"source_record_id": ["A", "B", "C"], "phone_mobile": ["13812345678", "139 8765 4321", None],
         "email": [None, None, "x@qq.com"]}
    )  # fmt: skip
    assert drop_erased(frame, "contact", layout) == (frame, 0)
    record_erasure_request(layout, phone="+86 138-1234-5678")
    kept, dropped = drop_erased(frame, "contact", layout)
    assert dropped == 1 and kept["source_record_id"].tolist() == ["B", "C"]
    # a key set later cannot match the old tombstones: refuse loudly rather than let people back in
    monkeypatch.setenv("C360_HMAC_KEY", "new")
    with pytest.raises(RuntimeError, match="fix: set C360_HMAC_KEY"):
        drop_erased(frame, "contact", layout)
    with pytest.raises(RuntimeError, match="fix: set C360_HMAC_KEY"):
        record_erasure_request(layout, email="li.na@qq.com")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "needs --email"),
        ({"email": "test@test.com"}, "placeholder"),
        ({"phone": "12"}, "not a usable"),
        ({"email": "n/a"}, "placeholder"),
        ({"phone": "13800000000"}, "placeholder"),
    ],
)
def test_bad_requests_rejected(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        record_erasure_request(make_layout(tmp_path), **kwargs)


@pytest.mark.slow
def test_dbt_macro_erases_customers_from_marts_and_snapshots(tmp_path):
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    layout = make_layout(tmp_path / "data")
    build_warehouse(layout.warehouse)
    project = REPO_ROOT / "dbt_project"
    exe = shutil.which("dbt", path=str(Path(sys.executable).parent)) or "dbt"
    result = subprocess.run(
        [exe, "run-operation", "erase_customers", "--args", "{customer_ids: [C-0001]}",
         "--project-dir", str(project), "--profiles-dir", str(project),
         "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")],
        cwd=project, capture_output=True, text=True, timeout=300,
        env={**os.environ, "C360_DATA_DIR": str(layout.root), "DO_NOT_TRACK": "1"},
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-3000:]
    assert "5 rows removed in total" in result.stdout
    _assert_forgotten({k: v for k, v in _warehouse_text(layout).items()}, kept=True)
