"""Resources per environment, chosen at load time by C360_ENV (local | prod). Assets never branch on it."""

from __future__ import annotations

import os

from assets.settings import settings_from_env


def resources_for(env: str | None = None) -> dict[str, object]:
    env = env or os.environ.get("C360_ENV", "local")
    if env not in {"local", "prod"}:
        raise ValueError(f"C360_ENV={env!r}: expected 'local' or 'prod'")
    # local and prod differ only in what the environment variables point at (folder vs s3://, Postgres DSN…),
    # read once here; anything that needs a secret reads it through dg.EnvVar in its own resource.
    return {"settings": settings_from_env()}
