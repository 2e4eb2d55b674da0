"""`build_report`: collect every layer, render, write `reports/run_report_<date>.html` and `reports/latest.html`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from assets import background
from assets.layout import DataLayout
from assets.partitions import TIMEZONE
from assets.report.collect import (
    Section,
    collect_files,
    collect_linkage,
    collect_marts,
    collect_quarantine,
    latest_run_date,
    linkage_marts_mismatch,
)
from assets.report.render import render_report
from assets.temp_area import copy_atomically, write_text_atomically


@dataclass
class Report:
    path: Path
    latest: Path
    run_date: str
    files: Section
    quarantine: Section
    linkage: Section
    marts: Section


def make_report(
    layout: DataLayout, run_id: str | None = None, run_date: str | None = None, out_dir: Path | None = None
) -> Report:
    """Build the report and return where it went plus the figures it shows (for asset metadata)."""
    now = dt.datetime.now(ZoneInfo(TIMEZONE))
    run_date = run_date or latest_run_date(layout) or now.date().isoformat()
    sections = {
        **background.take(*_early_work(layout, run_date)),
        "marts": collect_marts(layout),
    }
    if mismatch := linkage_marts_mismatch(sections["linkage"], sections["marts"]):
        sections["marts"].note = f"{sections['marts'].note} {mismatch}".strip()
    html = render_report(
        run_date=run_date,
        run_id=run_id,
        generated_at=now.isoformat(timespec="seconds"),
        data_dir=str(layout.root),
        **sections,
    )
    out_dir = out_dir or layout.reports
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"run_report_{run_date}.html"
    write_text_atomically(path, html)
    latest = out_dir / "latest.html"
    copy_atomically(path, latest)
    return Report(path=path, latest=latest, run_date=run_date, **sections)


def early_sections(layout: DataLayout, run_date: str) -> dict[str, Section]:
    """The sections that do not read the warehouse (files, quarantine, linkage): final once the linkage check
    has passed, so a run can compute them in the background while dbt builds the marts (`planned_early_sections`;
    `make_report` takes them when their files are still the ones read)."""
    return {
        "files": collect_files(layout, run_date),
        "quarantine": collect_quarantine(layout, run_date),
        "linkage": collect_linkage(layout),
    }


def early_inputs(layout: DataLayout) -> list[Path]:
    """What `early_sections` reads: the manifest, the quarantine, the linkage outputs, the person records."""
    linkage = [layout.linkage_dir / f"{name}.parquet" for name in LINKAGE_SHOWN]
    return [layout.manifest, layout.root / "quarantine", *linkage, layout.root / "silver" / "person"]


LINKAGE_SHOWN = ("customer_xref", "match_pairs", "review_queue", "id_history", "linkage_runs")


def _early_work(
    layout: DataLayout, run_date: str
) -> tuple[str, Callable[[], dict[str, Section]], list[Path]]:
    """`early_sections` as background work (assets/background.py): its name (with the run date it reports on),
    the work and what it reads; the same for `start` and `take`."""
    name = f"report: sections of {run_date} without the warehouse"
    return name, lambda: early_sections(layout, run_date), early_inputs(layout)


def planned_early_sections(layout: DataLayout, run_date: str | None, after: str | None) -> background.Plan:
    """For `background_run`: the report's early sections for `run_date`, started once step `after` succeeded
    (after the linkage check: orchestration/executor.py); nothing without a run date or a step to wait for."""
    if run_date is None:
        return {}
    return background.plan(after, lambda: background.start(*_early_work(layout, run_date)))


def build_report(layout: DataLayout, run_id: str | None = None, run_date: str | None = None) -> Path:
    """Write the run report for run_date (default: newest run_date in the manifest) and return its path."""
    return make_report(layout, run_id=run_id, run_date=run_date).path
