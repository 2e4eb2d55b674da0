import io
import json

import boto3
import pandas as pd
import pytest
import yaml
from boto3.exceptions import S3UploadFailedError
from privacy_fixtures import MARTS, build_warehouse, make_layout, moto_s3, write_manifest

from assets.deliver.config import load_delivery_config
from assets.deliver.run import deliver_target
from assets.layout import REPO_ROOT

pytestmark = pytest.mark.services
TABLES = ["dim_customer", "fct_orders"]


@pytest.fixture
def s3_setup(tmp_path, monkeypatch):
    monkeypatch.setenv("C360_HMAC_KEY", "test-hmac-key")
    with moto_s3(monkeypatch):
        client = boto3.client("s3")
        client.create_bucket(Bucket="c360-exports")
        layout = make_layout(tmp_path / "data")
        build_warehouse(layout.warehouse)
        data = yaml.safe_load((REPO_ROOT / "config" / "delivery.yaml").read_text())
        data["dbt_manifest"] = str(write_manifest(tmp_path / "manifest.json"))
        data["targets"] = [
            {
                "name": "lake",
                "kind": "s3",
                "bucket": "c360-exports",
                "prefix": "marts/",
                "policy": "pseudonymised",
                "tables": TABLES,
            }
        ]
        path = tmp_path / "delivery.yaml"
        path.write_text(yaml.safe_dump(data))
        yield layout, load_delivery_config(path), client


def _objects(client) -> dict[str, bytes]:
    keys = [o["Key"] for o in client.list_objects_v2(Bucket="c360-exports").get("Contents", [])]
    return {k: client.get_object(Bucket="c360-exports", Key=k)["Body"].read() for k in keys}


def test_s3_delivery_with_manifest(s3_setup):
    layout, config, client = s3_setup
    result = deliver_target(config, "lake", layout, run_id="run-1", run_date="2026-03-01")
    objects = _objects(client)
    assert sorted(objects) == [
        "marts/run_date=2026-03-01/_manifest.json",
        "marts/run_date=2026-03-01/dim_customer.parquet",
        "marts/run_date=2026-03-01/fct_orders.parquet",
    ]  # staging keys cleaned up
    dim = pd.read_parquet(io.BytesIO(objects["marts/run_date=2026-03-01/dim_customer.parquet"]))
    assert "zhang" not in "".join(dim["email"]) and len(dim["email"][0]) == 64
    manifest = json.loads(objects["marts/run_date=2026-03-01/_manifest.json"])
    assert {t["name"]: t["rows"] for t in manifest["tables"]} == {"dim_customer": 2, "fct_orders": 3}
    assert result.manifest_uri == "s3://c360-exports/marts/run_date=2026-03-01/_manifest.json"


def test_failed_s3_delivery_leaves_previous_intact(s3_setup, monkeypatch):
    layout, config, client = s3_setup
    deliver_target(config, "lake", layout, run_id="run-1", run_date="2026-03-01")
    before = _objects(client)
    build_warehouse(
        layout.warehouse, {"dim_customer": MARTS["dim_customer"].iloc[:1], "fct_orders": MARTS["fct_orders"]}
    )
    monkeypatch.delenv("C360_HMAC_KEY")  # the pseudonymised policy cannot run without its key
    with pytest.raises(RuntimeError, match="C360_HMAC_KEY is not set"):
        deliver_target(config, "lake", layout, run_id="run-2", run_date="2026-03-01")
    assert _objects(client) == before
    # the bucket disappears mid-way (wrong credentials, a lifecycle rule...): the upload fails, nothing is half-written
    monkeypatch.setenv("C360_HMAC_KEY", "test-hmac-key")
    bad = config.model_copy(
        update={"targets": [config.targets[0].model_copy(update={"bucket": "no-such-bucket"})]}
    )
    with pytest.raises(S3UploadFailedError, match="NoSuchBucket"):
        deliver_target(bad, "lake", layout, run_id="run-3", run_date="2026-03-01")
    assert _objects(client) == before
