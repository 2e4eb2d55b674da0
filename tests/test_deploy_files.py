"""deploy/'s start order, read from the files an operator installs: Dagster's storage schema is made by one
`dagster instance migrate` that every long-running service waits for (compose and systemd alike). Started together
on an empty database, the services each create the schema and one exits on the other's table (DuplicateObject).
tests/test_deploy.py runs the same migrate command before it starts the services."""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path

import yaml

from assets.layout import REPO_ROOT

DEPLOY = REPO_ROOT / "deploy"
SERVICES = ("code-server", "webserver", "daemon")


def compose_services() -> dict[str, dict]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]


def systemd_unit(name: str) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # keys keep their case (ExecStart, RemainAfterExit)
    unit.read_string((DEPLOY / "systemd" / f"customer360-{name}.service").read_text())
    return unit


def migrate_command() -> list[str]:
    """deploy/'s migrate command (compose's `migrate` service), program name first."""
    return shlex.split(compose_services()["migrate"]["command"])


def test_compose_runs_migrate_once_and_every_service_waits_for_it() -> None:
    services = compose_services()
    assert migrate_command() == ["dagster", "instance", "migrate"]
    assert services["migrate"]["restart"] == "no"  # a one-shot: done is done, not restarted
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in SERVICES:
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully", name


def test_systemd_runs_the_same_migrate_as_a_oneshot_that_every_service_requires() -> None:
    migrate = systemd_unit("migrate")
    assert migrate["Service"]["Type"] == "oneshot"
    assert migrate["Service"]["RemainAfterExit"] == "yes"  # counts as active, so Requires= holds afterwards
    program, *args = shlex.split(migrate["Service"]["ExecStart"])
    assert [Path(program).name, *args] == migrate_command()
    for name in SERVICES:
        unit = systemd_unit(name)["Unit"]
        assert "customer360-migrate.service" in unit["Requires"].split(), name
        assert "customer360-migrate.service" in unit["After"].split(), (
            name
        )  # Requires alone starts both at once
