"""What starts the nightly job: the landing sensor's ticks and the schedule's tick, evaluated as the daemon does."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

from assets.ingest.config import load_sources_config
from assets.partitions import TIMEZONE
from assets.settings import Settings
from orchestration.schedules import nightly_schedule
from orchestration.sensors import build_landing_sensor
from tests.source_fixtures import contact_sources_yaml


def _tick(sensor: dg.SensorDefinition, settings: Settings) -> dg.RunRequest | dg.SkipReason:
    return sensor(dg.build_sensor_context(resources={"settings": settings}))


def test_landing_sensor_starts_one_run_per_new_set_of_files(tmp_path: Path) -> None:
    (tmp_path / "sources.yaml").write_text(contact_sources_yaml("crm", "shop"))
    landing = tmp_path / "landing"
    (landing / "crm").mkdir(parents=True)
    settings = Settings(data_dir=str(tmp_path / "data"), landing=str(landing), config_dir=str(tmp_path))
    sensor = build_landing_sensor(load_sources_config(tmp_path / "sources.yaml"))
    today = dt.datetime.now(ZoneInfo(TIMEZONE)).date().isoformat()

    assert isinstance(_tick(sensor, settings), dg.SkipReason)  # an empty landing zone starts nothing

    (landing / "crm" / "a.csv").write_text("ID,Name\n1,Amy\n")
    first = _tick(sensor, settings)
    assert isinstance(first, dg.RunRequest)
    assert first.partition_key == today and first.tags["customer360/sources"] == "crm"
    again = _tick(sensor, settings)
    assert again.run_key == first.run_key  # the same files: Dagster drops the duplicate run key

    (landing / "shop").mkdir()
    (landing / "shop" / "b.csv").write_text("ID,Name\n2,Bob\n")
    second = _tick(sensor, settings)
    assert second.run_key != first.run_key and second.tags["customer360/sources"] == "crm,shop"


def test_schedule_tick_runs_todays_partition() -> None:
    """At 02:00 Asia/Shanghai on 27 Nov the schedule launches the nightly job for the 2026-11-27 partition
    (README: today's partition; the partitions end one day ahead, end_offset=1)."""
    tick = dt.datetime(2026, 11, 27, 2, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    context = dg.build_schedule_context(scheduled_execution_time=tick)
    [request] = nightly_schedule.evaluate_tick(context).run_requests
    assert request.partition_key == "2026-11-27"
    assert nightly_schedule.cron_schedule == "0 2 * * *"
