"""Resources per environment, chosen at load time by C360_ENV (local | prod). Assets never branch on it.

Both environments have the same resource keys; they differ in where values come from:
- `local`: every setting has a default (./data, ./data/landing, ./config), read once at load;
- `prod`: the data directory and landing zone are `dg.EnvVar`s, resolved in the run's process (the UI shows
  the variable, not its value) and a run fails at start, naming the variable, when one is missing instead of
  writing to a default folder.
In both, secrets (S3 endpoint and credentials, the Postgres DSN, the encryption and HMAC keys) are the resources
`s3`, `postgres` and `keys` (assets/secrets.py): `dg.EnvVar`s, so the UI and run config show variable names only.
"""

from __future__ import annotations

import os

import dagster as dg

from assets.settings import Settings, settings_from_env

ENVIRONMENTS = ("local", "prod")


def current_env(env: str | None = None) -> str:
    env = env or os.environ.get("C360_ENV", "local")
    if env not in ENVIRONMENTS:
        raise ValueError(f"C360_ENV={env!r}: expected one of {', '.join(ENVIRONMENTS)}")
    return env


def _prod_settings() -> Settings:
    return Settings(
        data_dir=dg.EnvVar("C360_DATA_DIR"),
        landing=dg.EnvVar("C360_LANDING"),
        config_dir=os.environ.get("C360_CONFIG_DIR", ""),
        timezone=os.environ.get("C360_TIMEZONE", "Asia/Shanghai"),
    )


def resources_for(env: str | None = None) -> dict[str, object]:
    """The resource dictionary of `env` (default: C360_ENV): same keys in every environment."""
    from assets.dbt.defs import dbt_resource
    from assets.secrets import env_var_resources

    settings = _prod_settings() if current_env(env) == "prod" else settings_from_env()
    return {"settings": settings, "dbt": dbt_resource(), **env_var_resources()}
