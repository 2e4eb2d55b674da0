"""Secrets as Dagster resources (assets/secrets.py): `dg.EnvVar`s in the code location, resolved in the run, read by
the library code through the active resource, and never shown by the UI nor stored in a run's config or events."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pytest

from assets.deliver.config import PostgresTarget
from assets.deliver.targets.postgres import _dsn
from assets.privacy.encryption import encryption_key
from assets.privacy.identifiers import hmac_key
from assets.secrets import EncryptionKeys, PostgresConnection, S3Storage, active, env_var_resources
from orchestration.resources import resources_for

SECRETS = {
    "C360_HMAC_KEY": "hmac-value-7f3a91",
    "C360_ENCRYPTION_KEY": "enc-value-52be0c",
    "C360_PG_DSN": "postgresql://loader:pg-value-c4d2@127.0.0.1:1/warehouse",
    "AWS_ACCESS_KEY_ID": "AKIAVALUE0E3F",
    "AWS_SECRET_ACCESS_KEY": "aws-value-9c1e77",
    "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
}
VALUES = [v for k, v in SECRETS.items() if k != "AWS_ENDPOINT_URL"]


@pytest.fixture
def secrets(monkeypatch) -> dict[str, str]:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    return SECRETS


@pytest.mark.parametrize("env", ["local", "prod"])
def test_definitions_hold_variable_names_not_values(secrets, monkeypatch, tmp_path, env):
    monkeypatch.setenv("C360_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("C360_LANDING", str(tmp_path / "landing"))
    resources = resources_for(env)
    assert type(resources["keys"]) is EncryptionKeys and type(resources["s3"]) is S3Storage
    assert type(resources["postgres"]) is PostgresConnection  # the same classes in every C360_ENV
    # before a run resolves them, the fields are the variables (dg.EnvVar), not what they hold
    assert resources["keys"].hmac_key == "C360_HMAC_KEY" and isinstance(resources["keys"].hmac_key, dg.EnvVar)
    assert resources["postgres"].dsn == "C360_PG_DSN"
    assert resources["s3"].secret_access_key == "AWS_SECRET_ACCESS_KEY"
    dumped = repr({k: r for k, r in resources.items() if k in ("keys", "s3", "postgres")})
    assert not [v for v in VALUES if v in dumped]


def test_an_unset_variable_is_no_field_and_the_environment_is_read_only_by_the_resources(monkeypatch):
    for name in SECRETS:
        monkeypatch.delenv(name, raising=False)
    resources = env_var_resources()
    assert resources["keys"].hmac_key is None and resources["postgres"].dsn is None
    assert encryption_key() is None and hmac_key() is None
    monkeypatch.setenv("C360_HMAC_KEY", "outside-a-run")
    assert hmac_key() == b"outside-a-run"  # the CLI path: the same class, built from the environment


def _probe(seen: dict[str, object]) -> dg.AssetsDefinition:
    @dg.asset
    def probe(s3: S3Storage, postgres: PostgresConnection, keys: EncryptionKeys) -> dg.MaterializeResult:
        target = PostgresTarget(name="pg", kind="postgres", tables=["dim_customer"])
        client = s3.client()
        seen.update(
            hmac=hmac_key(),
            encryption=encryption_key(),
            dsn=_dsn(target),
            endpoint=client.meta.endpoint_url,
            access_key=client._request_signer._credentials.access_key,
            active=active(EncryptionKeys) is keys,
        )
        return dg.MaterializeResult(metadata={"resolved": True})

    return probe


def test_a_run_resolves_the_secrets_and_records_none_of_them(secrets, monkeypatch, tmp_path: Path):
    seen: dict[str, object] = {}
    resources = env_var_resources()
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        result = dg.materialize([_probe(seen)], resources=resources, instance=instance)
        assert result.success
        # inside the step the library code sees the resolved resource, not os.environ
        assert seen == {
            "hmac": SECRETS["C360_HMAC_KEY"].encode(),
            "encryption": SECRETS["C360_ENCRYPTION_KEY"],
            "dsn": SECRETS["C360_PG_DSN"],
            "endpoint": SECRETS["AWS_ENDPOINT_URL"],
            "access_key": SECRETS["AWS_ACCESS_KEY_ID"],
            "active": True,
        }
        run = instance.get_run_by_id(result.run_id)
        stored = json.dumps(run.run_config, default=str) + json.dumps(run.tags)
        stored += "".join(repr(e) for e in instance.all_logs(result.run_id))
        assert not [v for v in VALUES if v in stored]
    # the step's resource is no longer active once the step ended: outside a run the environment counts
    monkeypatch.setenv("C360_HMAC_KEY", "changed-after-the-run")
    assert hmac_key() == b"changed-after-the-run"


def test_the_library_code_reads_the_steps_resource_not_the_environment(secrets, tmp_path):
    """A resource configured otherwise than the environment wins inside the step (one code path for secrets)."""
    seen: dict[str, object] = {}
    resources = {
        "keys": EncryptionKeys(hmac_key="hmac-of-the-resource", encryption_key="enc-of-the-resource"),
        "postgres": PostgresConnection(dsn="postgresql://resource@127.0.0.1:2/db"),
        "s3": S3Storage(
            endpoint_url="http://127.0.0.1:3", access_key_id="AKIARESOURCE", secret_access_key="x"
        ),
    }
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        assert dg.materialize([_probe(seen)], resources=resources, instance=instance).success
    assert seen["hmac"] == b"hmac-of-the-resource" and seen["encryption"] == "enc-of-the-resource"
    assert seen["dsn"] == "postgresql://resource@127.0.0.1:2/db"
    assert seen["endpoint"] == "http://127.0.0.1:3" and seen["access_key"] == "AKIARESOURCE"
    assert hmac_key() == SECRETS["C360_HMAC_KEY"].encode()  # after the step: the environment again


def test_a_variable_gone_at_run_time_fails_the_run_naming_the_variable(secrets, monkeypatch, tmp_path):
    resources = env_var_resources()  # loaded while C360_PG_DSN was set
    monkeypatch.delenv("C360_PG_DSN")
    with (
        dg.instance_for_test(temp_dir=str(tmp_path)) as instance,
        pytest.raises(dg.DagsterInvalidConfigError) as failure,
    ):
        dg.materialize([_probe({})], resources=resources, instance=instance)
    assert "C360_PG_DSN" in str(failure.value)
    assert not [v for v in VALUES if v in str(failure.value)]


_RESOURCES = """
query ($selector: RepositorySelector!) {
  allTopLevelResourceDetailsOrError(repositorySelector: $selector) {
    __typename
    ... on ResourceDetailsList { results { name configuredValues { key value type } } }
    ... on PythonError { message }
  }
  utilizedEnvVarsOrError(repositorySelector: $selector) {
    ... on EnvVarWithConsumersList { results { envVarName } }
  }
}
"""


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_the_ui_shows_variable_names_never_values(secrets, tmp_path):
    """`dagster dev` as a user starts it, with the secrets in its environment: the resource pages list
    `keys`, `s3` and `postgres` with each field as an environment variable, and nothing holds a value."""
    from browser.dagster_dev import dagster_dev

    data = tmp_path / "data"
    (data / "landing").mkdir(parents=True)
    with dagster_dev(data, tmp_path / "home", log=tmp_path / "dagster_dev.log") as server:
        selector = {"repositoryLocationName": "customer360", "repositoryName": "__repository__"}
        answer = server.graphql(_RESOURCES, {"selector": selector})
    details = answer["allTopLevelResourceDetailsOrError"]
    assert details["__typename"] == "ResourceDetailsList", details
    shown = {r["name"]: r["configuredValues"] for r in details["results"]}
    expected = {"keys": EncryptionKeys, "s3": S3Storage, "postgres": PostgresConnection}
    for name, cls in expected.items():
        values = {v["key"]: (v["type"], v["value"]) for v in shown[name]}
        # a variable set in the environment shows as its name; one not set as no value at all
        expected_values = {
            f: ("ENV_VAR", var) if var in SECRETS else ("VALUE", "null") for f, var in cls.ENV.items()
        }
        assert values == expected_values, (name, values)
    env_vars = {e["envVarName"] for e in answer["utilizedEnvVarsOrError"]["results"]}
    assert {"C360_HMAC_KEY", "C360_PG_DSN", "AWS_SECRET_ACCESS_KEY"} <= env_vars
    assert not [v for v in VALUES if v in json.dumps(answer)]
