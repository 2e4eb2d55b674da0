"""S3 landing end to end against moto's server mode on 127.0.0.1 (a real HTTP endpoint, not an in-process mock)."""

from __future__ import annotations

import gzip
import socket

import boto3
import pytest
from botocore.exceptions import ClientError

from assets.ingest import landing
from assets.ingest.config import SourceConfig
from assets.ingest.ingest import ingest_source
from assets.ingest.manifest import read_manifest
from assets.layout import DataLayout
from assets.validate import validate_partition

pytestmark = pytest.mark.services


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_endpoint, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    client = boto3.client("s3", endpoint_url=s3_endpoint)
    client.create_bucket(Bucket="landing")
    yield client
    for obj in client.list_objects_v2(Bucket="landing").get("Contents", []):
        client.delete_object(Bucket="landing", Key=obj["Key"])
    client.delete_bucket(Bucket="landing")


def test_s3_landing_end_to_end(bucket, tmp_path):
    csv = "客户编号,客户名称,手机\nKH001,张伟,13800138000\nKH002,,13900139000\n"
    # mtime=0: gzip stamps the current second, which would make the two deliveries differ
    bucket.put_object(
        Bucket="landing",
        Key="exports/crm/2026-03-01/a.csv.gz",
        Body=gzip.compress(csv.encode("gbk"), mtime=0),
    )
    bucket.put_object(
        Bucket="landing",
        Key="exports/crm/2026-03-01/again.csv.gz",
        Body=gzip.compress(csv.encode("gbk"), mtime=0),
    )
    bucket.put_object(Bucket="landing", Key="exports/crm/2026-03-01/junk.csv", Body=b"\x00\x01\x02")
    bucket.put_object(Bucket="landing", Key="exports/other/x.csv", Body=b"a,b\n")
    layout = DataLayout(root=tmp_path, landing="s3://landing/exports", config_dir=tmp_path)
    cfg = SourceConfig(
        name="crm", entity="contact", glob="crm/**/*.csv*", primary_key=["source_record_id"],
        columns={"客户编号": "source_record_id", "客户名称": "full_name", "手机": "phone_mobile"},
    )  # fmt: skip
    result = ingest_source(cfg, layout, "2026-03-01")
    assert [(f.key, f.status) for f in result.files] == [
        ("crm/2026-03-01/a.csv.gz", "loaded"),
        ("crm/2026-03-01/again.csv.gz", "duplicate"),
        ("crm/2026-03-01/junk.csv", "failed"),
    ]
    validated = validate_partition(cfg, layout, "2026-03-01")
    assert (validated.total("rows_valid"), validated.total("rows_quarantined")) == (2, 0)
    manifest = read_manifest(layout).set_index("key")
    assert manifest.loc["crm/2026-03-01/a.csv.gz", "rows_valid"] == 2
    assert ingest_source(cfg, layout, "2026-03-01").files[-1].status == "failed"  # failed files are retried


def test_transient_errors_are_retried_with_backoff():
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise ClientError(
                {"Error": {"Code": "SlowDown"}, "ResponseMetadata": {"HTTPStatusCode": 503}}, "GetObject"
            )
        return "ok"

    assert landing.with_retries(flaky, base_delay=0.01) == "ok"
    assert len(calls) == 3
    with pytest.raises(ClientError):
        landing.with_retries(
            lambda: (_ for _ in ()).throw(ClientError({"Error": {"Code": "NoSuchKey"}}, "GetObject")),
            base_delay=0.01,
        )
