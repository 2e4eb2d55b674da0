from pathlib import Path

import pytest
import yaml

from assets.deliver.config import DeliveryConfigError, load_delivery_config
from assets.entities import Pii
from assets.layout import REPO_ROOT
from assets.privacy.masking import Action

REPO_CONFIG = REPO_ROOT / "config" / "delivery.yaml"


def _write(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "delivery.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


def _base() -> dict:
    return yaml.safe_load(REPO_CONFIG.read_text())


def test_repo_config_is_valid_and_analyst_default_has_no_clear_pii():
    config = load_delivery_config(REPO_CONFIG)
    assert {t.kind for t in config.targets} == {"parquet", "s3", "postgres"}
    analyst = config.policy("analyst")
    assert set(analyst) == set(Pii) and Action.FULL not in analyst.values()
    assert config.target("postgres_bi").schema_name == "customer360"
    # aggregates leave analyst and pseudonymised exports with cells of at least 5 people; the full policy keeps all
    assert [config.min_cell_size(p) for p in ("analyst", "pseudonymised", "full")] == [5, 5, None]


def test_clear_text_in_analyst_policy_rejected(tmp_path):
    data = _base()
    data["policies"]["analyst"]["email"] = "full"
    with pytest.raises(DeliveryConfigError, match=r"delivery.yaml.*policies.analyst.*no clear-text PII"):
        load_delivery_config(_write(tmp_path, data))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d["targets"][0].update(policy="nope"),
            r"targets.analyst_parquet.policy: 'nope' is not defined",
        ),
        (lambda d: d["targets"][0].update(kind="ftp"), r"key 'targets.0'.*'ftp'"),
        (
            lambda d: d["policies"]["analyst"].update(email="clear"),
            r"key 'policies.analyst.email'.*got 'clear'",
        ),
        (lambda d: d["policies"]["analyst"].update(iris_scan="dropped"), r"policies.analyst.iris_scan"),
        (lambda d: d["targets"][1].pop("bucket"), r"key 'targets.1.s3.bucket': Field required"),
        (
            lambda d: d["targets"][0].update(tables=["dim customer; drop"]),
            r"targets.0.parquet.tables.*plain identifier",
        ),
        (lambda d: d["targets"][0].update(colour="red"), r"targets.0.parquet.colour.*Extra inputs"),
        (
            lambda d: d["policies"]["analyst"].update(min_cell_size=1),
            r"key 'policies.analyst.min_cell_size'.*whole number of people >= 2.*got 1",
        ),
        (
            lambda d: d["policies"]["pseudonymised"].update(min_cell_size="five"),
            r"key 'policies.pseudonymised.min_cell_size'.*got 'five'",
        ),
        (lambda d: d["policies"]["analyst"].update(min_cell_size=True), r"policies.analyst.min_cell_size"),
    ],
)
def test_errors_name_file_key_and_fix(tmp_path, change, expected):
    data = _base()
    change(data)
    with pytest.raises(DeliveryConfigError, match=expected) as info:
        load_delivery_config(_write(tmp_path, data))
    assert "delivery.yaml" in str(info.value) and "fix:" in str(info.value)


def test_missing_and_broken_files(tmp_path):
    with pytest.raises(DeliveryConfigError, match="not found; fix"):
        load_delivery_config(tmp_path / "absent.yaml")
    (tmp_path / "delivery.yaml").write_text("targets: [\n")
    with pytest.raises(DeliveryConfigError, match="not valid YAML"):
        load_delivery_config(tmp_path / "delivery.yaml")
