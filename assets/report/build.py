"""`build_report`: collect every layer, render, write `reports/run_report_<date>.html` and `reports/latest.html`."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

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
        "files": collect_files(layout, run_date),
        "quarantine": collect_quarantine(layout, run_date),
        "linkage": collect_linkage(layout),
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
    _write_atomic(path, html)
    latest = out_dir / "latest.html"
    tmp = latest.with_suffix(".html.tmp")
    shutil.copyfile(path, tmp)
    os.replace(tmp, latest)
    return Report(path=path, latest=latest, run_date=run_date, **sections)


def build_report(layout: DataLayout, run_id: str | None = None, run_date: str | None = None) -> Path:
    """Write the run report for run_date (default: newest run_date in the manifest) and return its path."""
    return make_report(layout, run_id=run_id, run_date=run_date).path


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
