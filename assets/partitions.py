"""The daily partition: one nightly run = one run_date."""

from __future__ import annotations

import dagster as dg

from linkage.standardise.dates import TIMEZONE

daily_partitions = dg.DailyPartitionsDefinition(start_date="2026-01-01", timezone=TIMEZONE, end_offset=1)
