"""The daily partition: one nightly run = one run_date."""

from __future__ import annotations

import os

import dagster as dg

TIMEZONE = os.environ.get("C360_TIMEZONE", "Asia/Shanghai")

daily_partitions = dg.DailyPartitionsDefinition(start_date="2026-01-01", timezone=TIMEZONE, end_offset=1)
