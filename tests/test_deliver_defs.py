import dagster as dg
import pandas as pd
import pytest
import yaml
from privacy_fixtures import build_warehouse, make_layout, write_manifest

from assets.deliver.defs import audit_run_sensors, build_delivery_assets, erasure_asset
from assets.layout import REPO_ROOT
from assets.privacy.audit import read_audit
from assets.privacy.erasure import record_erasure_request
from assets.secrets import env_var_resources
from assets.settings import Settings


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.delenv("C360_ENCRYPTION_KEY", raising=False)
    monkeypatch.setenv("C360_HMAC_KEY", "super-secret-hmac")
    layout = make_layout(tmp_path / "data")
    build_warehouse(layout.warehouse)
    data = yaml.safe_load((REPO_ROOT / "config" / "delivery.yaml").read_text())
    data["dbt_manifest"] = str(write_manifest(tmp_path / "manifest.json"))
    data["targets"][0]["tables"] = ["dim_customer", "fct_orders"]
    layout.config_dir.mkdir(parents=True)
    (layout.config_dir / "delivery.yaml").write_text(yaml.safe_dump(data))
    return Settings(data_dir=str(layout.root), config_dir=str(layout.config_dir))


def test_delivery_assets_follow_config(settings):
    assets = build_delivery_assets(settings.layout().config_dir / "delivery.yaml")
    assert [a.key for a in assets] == [dg.AssetKey(["delivery", "analyst_parquet"])]  # s3/postgres disabled
    deps = {k for dep_keys in assets[0].asset_deps.values() for k in dep_keys}
    assert deps == {dg.AssetKey(["marts", "dim_customer"]), dg.AssetKey(["marts", "fct_orders"])}


def test_materialize_delivery_then_erasure(settings):
    layout = settings.layout()
    assets = build_delivery_assets(layout.config_dir / "delivery.yaml")
    result = dg.materialize(
        [*assets, erasure_asset],
        resources={"settings": settings, **env_var_resources()},
        selection=[assets[0].key],
    )
    assert result.success
    meta = result.asset_materializations_for_node(assets[0].op.name)[0].metadata
    assert meta["rows"].value == {"dim_customer": 2, "fct_orders": 3}
    assert meta["masking"].value["dim_customer"]["email"] == "masked"
    assert meta["suppressed_cells"].value == {}  # no aggregate among these tables
    assert meta["manifest"].value.endswith("_manifest.json")
    assert "super-secret-hmac" not in str(meta)
    delivered = next(layout.root.glob("exports/analyst/run_date=*/dim_customer.parquet"))
    assert pd.read_parquet(delivered)["email"].tolist() == ["z***@163.com", "l***@qq.com"]

    record_erasure_request(layout, customer_id="C-0001")
    result = dg.materialize([erasure_asset], resources={"settings": settings, **env_var_resources()})
    meta = result.asset_materializations_for_node(erasure_asset.op.name)[0].metadata
    assert meta["requests_applied"].value == 1
    assert meta["removed_by_place"].value["delivery.analyst_parquet"] == 3  # 1 customer row + 2 orders
    assert pd.read_parquet(delivered)["customer_id"].tolist() == ["C-0002"]
    assert read_audit(layout)["event"].tolist() == ["delivery", "erasure_request", "erasure"]


def test_run_sensors_write_audit_entries(settings, monkeypatch):
    monkeypatch.setenv("C360_DATA_DIR", settings.data_dir)
    with dg.instance_for_test() as instance:
        result = dg.materialize(
            [erasure_asset], resources={"settings": settings, **env_var_resources()}, instance=instance
        )
        run = instance.get_run_by_id(result.run_id)
        context = dg.build_run_status_sensor_context(
            sensor_name="audit_run_success",
            dagster_instance=instance,
            dagster_run=run,
            dagster_event=result.get_run_success_event(),
        )
        audit_run_sensors[0](context)
    audit = read_audit(settings.layout())
    assert audit["event"].tolist() == ["run"] and audit["run_id"].tolist() == [result.run_id]
