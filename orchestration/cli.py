"""`customer360`: everything a user runs by hand. Heavy imports stay inside the commands."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Annotated

import typer

from assets.backup.commands import backup_command, restore_command
from assets.privacy.commands import erase_command, rotate_key_command
from assets.report.cli import report_command
from assets.review.cli import customer_app, review_app
from orchestration.link_command import link_command

app = typer.Typer(no_args_is_help=True, add_completion=False, help="customer360: one trusted customer file.")


@app.command()
def sample(
    out: Annotated[Path, typer.Option(help="data directory; files land in OUT/landing, truth in OUT/truth")],
    customers: Annotated[int, typer.Option(min=1, help="number of true customers")] = 2000,
    seed: Annotated[int, typer.Option(help="random seed (same seed, same files)")] = 7,
) -> None:
    """Write a messy multi-source sample delivery about one set of true customers."""
    from assets.sample import generate_sample

    summary = generate_sample(out, customers=customers, seed=seed)
    typer.echo(f"sample: {summary}")


@app.command()
def run(
    date: Annotated[
        str, typer.Option(help="run_date partition YYYY-MM-DD (default: today in C360_TIMEZONE)")
    ] = "",
    full_refresh: Annotated[
        bool,
        typer.Option("--full-refresh", help="re-link every record and refit the model (not only the new)"),
    ] = False,
) -> None:
    """Run the nightly job once through Dagster (recorded in $DAGSTER_HOME, visible in the UI)."""
    from assets.errors import is_permanent, one_line
    from orchestration.preflight import PreflightError, check_landing, check_partition, check_writable

    partition = date or today()
    try:
        from assets.settings import settings_from_env
        from orchestration.run_once import print_summary, run_nightly

        check_partition(partition)
        layout = settings_from_env().layout()
        check_writable(layout.root)
        check_landing(layout.landing)
        result = run_nightly(partition, full_refresh=full_refresh)
        print_summary(partition)
    except PreflightError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    except Exception as exc:
        if not is_permanent(exc):
            raise
        typer.echo(f"error: {one_line(exc)}", err=True)  # a config, key or permission problem: one line
        raise typer.Exit(2) from None
    raise typer.Exit(0 if result else 1)


app.command("link")(link_command)
app.command("erase")(erase_command)
app.command("report")(report_command)
app.command("rotate-key")(rotate_key_command)
app.command("backup")(backup_command)
app.command("restore")(restore_command)
app.add_typer(review_app, name="review")
app.add_typer(customer_app, name="customer")


def today() -> str:
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo(os.environ.get("C360_TIMEZONE", "Asia/Shanghai"))).date().isoformat()


def main() -> None:  # pragma: no cover - console entry
    app()
