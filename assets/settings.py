"""Run-time settings: one Dagster resource, every field from an environment variable with a local default."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from assets.crash_points import maybe_crash
from assets.layout import REPO_ROOT, DataLayout


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


class Settings(dg.ConfigurableResource):
    """Where the data lives. Defaults need no variables: ./data under the repo, landing inside it."""

    data_dir: str = ""
    landing: str = ""
    config_dir: str = ""
    timezone: str = "Asia/Shanghai"

    def layout(self) -> DataLayout:
        maybe_crash()  # C360_TEST_KILL_AT: the crash-injection tests' hook (assets/crash_points.py)
        root = Path(self.data_dir or _env("C360_DATA_DIR", str(REPO_ROOT / "data"))).resolve()
        landing = self.landing or _env("C360_LANDING", str(root / "landing"))
        config_dir = Path(self.config_dir or _env("C360_CONFIG_DIR", str(REPO_ROOT / "config")))
        return DataLayout(root=root, landing=landing, config_dir=config_dir)


def settings_from_env() -> Settings:
    return Settings(
        data_dir=_env("C360_DATA_DIR", ""),
        landing=_env("C360_LANDING", ""),
        config_dir=_env("C360_CONFIG_DIR", ""),
        timezone=_env("C360_TIMEZONE", "Asia/Shanghai"),
    )
