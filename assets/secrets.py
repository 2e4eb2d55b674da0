"""Secrets and external connections as Dagster resources: S3, PostgreSQL, the encryption and hashing keys.

Each resource names the environment variables its fields come from (`ENV`). In the code location every set
variable becomes a `dg.EnvVar` (`env_var_resources`): Dagster resolves it in the run's process and the UI and run
config show the variable's name, never its value. Outside Dagster (`customer360 erase`, `rotate-key`, backups)
the same classes are built from the environment (`from_env`), so there is one code path for reading a secret.

Assets that touch a secret take the resource as a parameter; while such a step runs, the resolved resource is
the *active* one (`active(cls)`), which is what the library code below the asset (zone encryption, the S3 landing
client, delivery publishers) reads. Without an active resource (CLI, tests, a step that does not take it),
`active` builds one from the environment.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

import dagster as dg

R = TypeVar("R", bound="SecretResource")

_lock = threading.Lock()
_active: dict[type, list[Any]] = {}


class SecretResource(dg.ConfigurableResource):
    """A resource whose fields come from environment variables (`ENV`: field → variable)."""

    ENV: ClassVar[dict[str, str]] = {}

    @classmethod
    def from_env(cls: type[R], environ: Mapping[str, str] | None = None) -> R:
        """The resource with the environment's values (unset or empty → None)."""
        env = os.environ if environ is None else environ
        return cls(**{field: env.get(var) or None for field, var in cls.ENV.items()})

    @classmethod
    def with_env_vars(cls: type[R], environ: Mapping[str, str] | None = None) -> R:
        """The resource for Definitions: a `dg.EnvVar` for each variable set now, resolved when a run starts."""
        env = os.environ if environ is None else environ
        return cls(**{field: dg.EnvVar(var) for field, var in cls.ENV.items() if env.get(var)})

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        with _lock:
            _active.setdefault(type(self), []).append(self)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        with _lock:
            stack = _active.get(type(self), [])
            if self in stack:
                stack.remove(self)


def active(cls: type[R]) -> R:
    """The resource of the running step, else one built from the environment."""
    with _lock:
        stack = _active.get(cls)
        if stack:
            return stack[-1]
    return _from_env(cls, tuple(os.environ.get(var) or None for var in cls.ENV.values()))


@functools.cache
def _from_env(cls: type[R], values: tuple[str | None, ...]) -> R:
    return cls(**dict(zip(cls.ENV, values, strict=True)))


class EncryptionKeys(SecretResource):
    """Encryption at rest (warehouse, zone files, backups) and the keyed hash of pseudonymised exports."""

    ENV: ClassVar[dict[str, str]] = {
        "encryption_key": "C360_ENCRYPTION_KEY",
        "new_encryption_key": "C360_NEW_ENCRYPTION_KEY",
        "hmac_key": "C360_HMAC_KEY",
    }
    encryption_key: str | None = None
    new_encryption_key: str | None = None  # `customer360 rotate-key` only
    hmac_key: str | None = None


class S3Storage(SecretResource):
    """The S3 (or S3-compatible: MinIO, moto) endpoint and credentials of the landing zone, S3 delivery targets
    and backups. Unset fields fall back to boto3's own chain (instance profile, ~/.aws)."""

    ENV: ClassVar[dict[str, str]] = {
        "endpoint_url": "AWS_ENDPOINT_URL",
        "access_key_id": "AWS_ACCESS_KEY_ID",
        "secret_access_key": "AWS_SECRET_ACCESS_KEY",
        "region": "AWS_DEFAULT_REGION",
    }
    endpoint_url: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    region: str | None = None

    def client(self, endpoint_url: str | None = None):
        """A boto3 S3 client (retries with backoff), shared per endpoint and credentials."""
        return _s3_client(
            endpoint_url or self.endpoint_url, self.access_key_id, self.secret_access_key, self.region
        )


@functools.cache
def _s3_client(endpoint: str | None, key_id: str | None, secret: str | None, region: str | None):
    import boto3
    from botocore.config import Config

    cfg = Config(retries={"max_attempts": 8, "mode": "standard"}, connect_timeout=10, read_timeout=60)
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        region_name=region,
        config=cfg,
    )


class PostgresConnection(SecretResource):
    """The DSN of the PostgreSQL delivery targets (`dsn_env: C360_PG_DSN`, the default)."""

    ENV: ClassVar[dict[str, str]] = {"dsn": "C360_PG_DSN"}
    dsn: str | None = None


def named_secret(variable: str) -> str | None:
    """A secret a config file names by variable (a delivery target's own `dsn_env`, `endpoint_url_env`) when
    it is not one of the resources' variables: read from the environment, like `from_env`."""
    return os.environ.get(variable) or None


RESOURCE_CLASSES: dict[str, type[SecretResource]] = {
    "keys": EncryptionKeys,
    "s3": S3Storage,
    "postgres": PostgresConnection,
}


def env_var_resources(environ: Mapping[str, str] | None = None) -> dict[str, SecretResource]:
    """The secret resources of the code location (same classes in every C360_ENV)."""
    return {key: cls.with_env_vars(environ) for key, cls in RESOURCE_CLASSES.items()}
