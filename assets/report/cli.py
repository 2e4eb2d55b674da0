"""`customer360 report`: regenerate the HTML run report from what is on disk."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assets.report.build import make_report
from assets.settings import settings_from_env


def report_command(
    out: Annotated[
        Path | None, typer.Option(help="folder to write the report to (default: $C360_DATA_DIR/reports)")
    ] = None,
    date: Annotated[
        str, typer.Option(help="run_date YYYY-MM-DD (default: newest in the file manifest)")
    ] = "",
) -> None:
    """Regenerate the self-contained HTML run report (data quality, linkage, marts)."""
    report = make_report(settings_from_env().layout(), run_date=date or None, out_dir=out)
    typer.echo(f"report: {report.path}")
    typer.echo(f"latest: {report.latest}")
