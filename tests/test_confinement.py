"""Hostile configuration: every configured path stays inside its root; errors are one line naming key and value;
errors no retry can fix fail at once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
import yaml

from assets.deliver.config import DeliveryConfigError, ParquetTarget, load_delivery_config
from assets.deliver.targets.folder import FolderPublisher
from assets.errors import fail_fast
from assets.ingest.config import SourcesConfigError, load_sources_config
from assets.ingest.confine import DELIVERY_ROOT_ENV, PathOutsideRoot, delivery_dir
from assets.ingest.ingest import pending_files
from assets.ingest.landing import LandingMissing, LocalLanding
from assets.layout import REPO_ROOT, DataLayout
from assets.privacy.encryption import EncryptionUnavailable
from orchestration.preflight import PreflightError, check_landing, check_partition, check_writable

ENV = {**os.environ, "DO_NOT_TRACK": "1", "DAGSTER_DISABLE_TELEMETRY": "1"}


def _sources(tmp_path: Path, glob: str = "crm/*.csv", use: str | None = None) -> Path:
    entry = {
        "name": "crm",
        "entity": "contact",
        "glob": glob,
        "columns": {"ID": "source_record_id", "Name": "full_name"},
    }
    if use is not None:
        entry = {"name": "crm", "use": use, "glob": glob}
    (tmp_path / "vendors").mkdir(exist_ok=True)
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump({"sources": [entry]}))
    return path


@pytest.mark.parametrize(
    "glob",
    ["../truth/*.csv", "/etc/*", "crm/../../truth/*.csv", "~/x/*.csv", "s3://other-bucket/*.csv", "C:/x/*"],
)
def test_glob_outside_landing_is_one_line_naming_key_and_value(tmp_path, glob):
    with pytest.raises(SourcesConfigError) as err:
        load_sources_config(_sources(tmp_path, glob=glob))
    message = str(err.value)
    assert "\n" not in message and "glob" in message and repr(glob) in message


def test_listing_refuses_a_hostile_glob(tmp_path):
    landing, outside = tmp_path / "landing", tmp_path / "truth"
    (landing / "crm").mkdir(parents=True)
    outside.mkdir()
    (outside / "secret.csv").write_text("ID\n1\n")
    (landing / "crm" / "ok.csv").write_text("ID\n1\n")
    zone = LocalLanding(landing)
    assert [f.key for f in zone.list("crm", "crm/**/*.csv")] == ["crm/ok.csv"]
    with pytest.raises(PathOutsideRoot, match=r"\.\./truth"):
        zone.list("crm", "../truth/*.csv")  # a glob built in code, not from sources.yaml, is refused too


@pytest.mark.parametrize(
    "use", ["../../../etc/passwd", "/etc/passwd", "vendors/../sources.yaml", "../vendors/x.yaml"]
)
def test_use_outside_config_vendors_is_refused(tmp_path, use):
    with pytest.raises(SourcesConfigError) as err:
        load_sources_config(_sources(tmp_path, use=use))
    message = str(err.value)
    assert "\n" not in message and "use" in message and repr(use) in message and "vendors" in message


def test_use_inside_vendors_still_works():
    config = load_sources_config(REPO_ROOT / "config" / "sources.yaml")
    assert config.get("salesforce").columns


def _delivery(tmp_path: Path, **target) -> Path:
    data = yaml.safe_load((REPO_ROOT / "config" / "delivery.yaml").read_text())
    data["targets"] = [{"name": "out", "kind": "parquet", "tables": ["dim_customer"], **target}]
    path = tmp_path / "delivery.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize("path", ["../../elsewhere", "/tmp/c360-anywhere", "exports/../../x"])
def test_delivery_path_outside_data_dir_is_refused(tmp_path, monkeypatch, path):
    monkeypatch.delenv(DELIVERY_ROOT_ENV, raising=False)
    with pytest.raises(DeliveryConfigError) as err:
        load_delivery_config(_delivery(tmp_path, path=path))
    message = str(err.value)
    assert "\n" not in message and "path" in message and path in message


def test_declared_delivery_root_allows_a_folder_outside_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.delenv(DELIVERY_ROOT_ENV, raising=False)
    share = tmp_path / "share"
    config = load_delivery_config(_delivery(tmp_path, path=str(share / "bi"), root=str(share)))
    target = config.target("out")
    layout = DataLayout(root=tmp_path / "data", landing=str(tmp_path / "landing"), config_dir=tmp_path)
    assert FolderPublisher(target, layout).root == (share / "bi").resolve()
    monkeypatch.setenv(DELIVERY_ROOT_ENV, str(share))  # or the environment declares it
    assert load_delivery_config(_delivery(tmp_path, path=str(share / "bi"))).target("out")


def test_delivery_folder_symlinked_out_of_the_data_dir_is_refused_at_publish(tmp_path, monkeypatch):
    monkeypatch.delenv(DELIVERY_ROOT_ENV, raising=False)
    data, outside = tmp_path / "data", tmp_path / "elsewhere"
    data.mkdir(), outside.mkdir()
    (data / "exports").symlink_to(outside, target_is_directory=True)
    layout = DataLayout(root=data, landing=str(tmp_path / "landing"), config_dir=tmp_path)
    target = ParquetTarget(name="out", kind="parquet", tables=["dim_customer"], path="exports/analyst")
    with pytest.raises(PathOutsideRoot, match=r"targets\.out\.path: 'exports/analyst' is outside"):
        FolderPublisher(target, layout)  # erasure builds the same publisher: it cannot rewrite there either
    assert delivery_dir("exports2", data, None, "k") == (data / "exports2").resolve()


def test_s3_delivery_prefix_cannot_climb(tmp_path):
    with pytest.raises(DeliveryConfigError, match="prefix"):
        load_delivery_config(_delivery(tmp_path, kind="s3", bucket="b", prefix="marts/../../other"))


def test_missing_landing_zone_fails_in_one_line(tmp_path):
    layout = DataLayout(root=tmp_path, landing=str(tmp_path / "not-mounted"), config_dir=tmp_path)
    config = load_sources_config(_sources(tmp_path))
    with pytest.raises(LandingMissing) as err:
        pending_files(layout, config, "2026-03-01")
    assert "not-mounted" in str(err.value) and "\n" not in str(err.value)
    (tmp_path / "not-mounted").mkdir()
    assert pending_files(layout, config, "2026-03-01") == []  # an empty zone is a quiet night


def _attempts_of(error: Exception) -> int:
    calls = []

    @dg.asset(retry_policy=dg.RetryPolicy(max_retries=3))
    def flaky():
        calls.append(1)
        with fail_fast():
            raise error

    result = dg.materialize([flaky], raise_on_error=False)
    assert not result.success
    return len(calls)


def test_permanent_errors_are_not_retried_transient_ones_are():
    assert _attempts_of(EncryptionUnavailable("wrong key")) == 1
    assert _attempts_of(LandingMissing("landing zone /x does not exist")) == 1
    assert _attempts_of(PermissionError(13, "Permission denied", "/data/raw")) == 1
    assert _attempts_of(ConnectionError("reset by peer")) == 4


def test_preflight_partition_and_writable(tmp_path):
    with pytest.raises(PreflightError, match="not a date"):
        check_partition("2026-13-45")
    with pytest.raises(PreflightError, match="outside the run_date partitions"):
        check_partition("1999-01-01")
    (tmp_path / "file").write_text("")
    with pytest.raises(PreflightError, match="not writable"):
        check_writable(tmp_path / "file" / "data")
    check_writable(tmp_path / "data")
    with pytest.raises(PreflightError, match=r"landing zone .*not-mounted does not exist"):
        check_landing(str(tmp_path / "not-mounted"))
    check_landing(str(tmp_path / "data"))
    check_landing("s3://bucket/prefix")  # the run checks S3 itself


def _cli(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    run_env = {**ENV, "DAGSTER_HOME": str(tmp_path / "home"), "C360_DATA_DIR": str(tmp_path / "data"), **env}
    (tmp_path / "home").mkdir(exist_ok=True)
    (tmp_path / "data" / "landing").mkdir(parents=True, exist_ok=True)
    code = "from orchestration.cli import app; app()"
    return subprocess.run(
        [sys.executable, "-c", code, "run", *args],
        env=run_env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO_ROOT,
    )


def test_cli_errors_are_one_line(tmp_path):
    bad = _cli(tmp_path, "--date", "1999-01-01")
    assert bad.returncode == 2 and bad.stderr.strip().count("\n") == 0, bad.stderr
    assert "1999-01-01" in bad.stderr and "Traceback" not in bad.stderr
    config = tmp_path / "config"
    config.mkdir()
    (config / "sources.yaml").write_text(
        "sources:\n  - name: crm\n    entity: contact\n    glob: ../x/*.csv\n"
    )
    (config / "delivery.yaml").write_text((REPO_ROOT / "config" / "delivery.yaml").read_text())
    broken = _cli(tmp_path, "--date", "2026-03-01", C360_CONFIG_DIR=str(config))
    assert broken.returncode == 2 and "Traceback" not in broken.stderr, broken.stderr
    assert (
        broken.stderr.strip().count("\n") == 0 and "glob" in broken.stderr and "../x/*.csv" in broken.stderr
    )
    missing = _cli(tmp_path, "--date", "2026-03-01", C360_LANDING=str(tmp_path / "not-mounted"))
    assert missing.returncode == 2 and missing.stderr.strip().count("\n") == 0, missing.stderr
    assert "not-mounted does not exist" in missing.stderr


def test_yaml_errors_are_one_line(tmp_path):
    (tmp_path / "vendors").mkdir()
    (tmp_path / "vendors" / "bad.yaml").write_text("columns: [unclosed\n  x: 1\n")
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - name: crm\n    use: vendors/bad.yaml\n    glob: crm/*.csv\n"
    )
    with pytest.raises(SourcesConfigError) as err:
        load_sources_config(tmp_path / "sources.yaml")
    assert "\n" not in str(err.value) and "bad.yaml: not valid YAML" in str(err.value)
    (tmp_path / "sources.yaml").write_text("sources:\n  - name: [crm\n")
    with pytest.raises(SourcesConfigError) as err:
        load_sources_config(tmp_path / "sources.yaml")
    assert "\n" not in str(err.value)
    (tmp_path / "delivery.yaml").write_text("targets: [\n  - a\n")
    with pytest.raises(DeliveryConfigError) as err:
        load_delivery_config(tmp_path / "delivery.yaml")
    assert "\n" not in str(err.value)


def test_rejected_files_are_one_line_each(tmp_path, monkeypatch):
    import pandas as pd

    from assets.ingest.manifest import append_manifest
    from orchestration.run_summary import run_figures

    monkeypatch.setenv("C360_DATA_DIR", str(tmp_path))
    layout = DataLayout(root=tmp_path, landing=str(tmp_path / "landing"), config_dir=tmp_path)
    row = {"source": "crm", "size": 1, "sha256": "", "rows_read": 0, "rows_valid": None, "rows_quarantined": None,
           "rows_erased": 0, "encoding": "", "loaded_at": pd.Timestamp("2026-03-01", tz="UTC")}  # fmt: skip
    append_manifest(
        layout,
        [
            row | {"key": "crm/a.jsonl", "status": "failed", "error": "a JSON array,\nnot JSON lines", "run_date": "2026-03-01"},
            row | {"key": "crm/b.csv", "status": "loaded", "error": "", "run_date": "2026-03-01"},
            row | {"key": "crm/c.csv", "status": "failed", "error": "binary content", "run_date": "2026-03-02"},
        ],
    )  # fmt: skip
    figures = run_figures(layout, "2026-03-01", pd.Timestamp("2026-01-01", tz="UTC").to_pydatetime())
    assert figures["rejected"] == ["rejected crm/a.jsonl: a JSON array, not JSON lines"]
