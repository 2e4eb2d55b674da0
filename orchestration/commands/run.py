"""`customer360 run`: the nightly job once, in this process, recorded in $DAGSTER_HOME like any other run."""

from __future__ import annotations

from typing import Annotated

import typer


def run_command(
    date: Annotated[
        str,
        typer.Option(metavar="YYYY-MM-DD", help="run_date partition (default: today in C360_TIMEZONE)"),
    ] = "",
    full_refresh: Annotated[
        bool,
        typer.Option(
            "--full-refresh", help="re-link every record, not only the new (with the stored model: same ids)"
        ),
    ] = False,
    refit: Annotated[
        bool, typer.Option("--refit", help="refit the matching model first, then re-link every record")
    ] = False,
) -> None:
    """Run the nightly job once: per-stage progress here, dbt's output in the log file, then a short summary."""
    from orchestration.run_once import quiet_warnings

    quiet_warnings()
    from assets.errors import is_permanent, one_line
    from assets.partitions import today
    from assets.settings import settings_from_env
    from orchestration.logging import format_failures
    from orchestration.preflight import PreflightError, check_landing, check_partition, check_writable
    from orchestration.run_once import run_nightly
    from orchestration.run_summary import format_summary, mart_rows, run_figures

    partition = date or today()
    layout = settings_from_env().layout()
    try:
        check_partition(partition)
        check_writable(layout.root)
        check_landing(layout.landing)
        outcome = run_nightly(partition, layout, full_refresh=full_refresh, refit=refit)
    except PreflightError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    except Exception as exc:
        if not is_permanent(exc):
            raise
        typer.echo(f"error: {one_line(exc)}", err=True)  # a config, key or permission problem: one line
        raise typer.Exit(2) from None
    lines = format_summary(
        partition,
        outcome.success,
        outcome.seconds,
        run_figures(layout, partition, outcome.started),
        mart_rows(layout),
        layout,
        str(outcome.log_file),
        format_failures(outcome.failures),
    )
    typer.echo("\n".join(lines))
    raise typer.Exit(0 if outcome.success else 1)
