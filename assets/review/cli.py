"""`customer360 review [serve|export|import]` and `customer360 customer merge|unmerge`.

Only typer at import time: the pipeline, pandas and the web server load inside the commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

review_app = typer.Typer(
    add_completion=False,
    invoke_without_command=True,
    help="Clerical review: the page for uncertain matches, and the decision log as CSV.",
)
customer_app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Merge or unmerge customers by hand (kept by every later run).",
)


def _layout():
    from assets.settings import settings_from_env

    return settings_from_env().layout()


@review_app.callback()
def review(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="interface to listen on (loopback by default)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port of the review page")] = 8765,
) -> None:
    """Serve the review page (C360_REVIEW_ROLE=steward shows personal data in clear, analyst masks it)."""
    if ctx.invoked_subcommand is not None:
        return
    from assets.review.app import review_role, serve

    typer.echo(f"review page on http://{host}:{port}/ (role {review_role()}); Ctrl-C stops it")
    serve(_layout(), host=host, port=port)


@review_app.command("export")
def export_command(
    out: Annotated[Path, typer.Argument(dir_okay=False, help="CSV file to write")],
    current: Annotated[
        bool, typer.Option(help="only the decision in force per pair, not the whole log")
    ] = False,
) -> None:
    """Write the decision log (who, when, what, fingerprints) to CSV."""
    from assets.review.transfer import export_decisions

    n = export_decisions(_layout(), out, current_only=current)
    typer.echo(f"{n} decisions → {out}")


@review_app.command("import")
def import_command(
    path: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, help="CSV with source_l, id_l, source_r, id_r, label"),
    ],
) -> None:
    """Append decisions from CSV (rows already in the log, by decision_id, are skipped)."""
    from assets.review.transfer import import_decisions

    added, skipped = import_decisions(_layout(), path)
    typer.echo(f"{added} decisions imported, {skipped} already present; the next run honours them")


@customer_app.command("merge")
def merge_command(
    customer_a: Annotated[str, typer.Argument(help="customer_id")],
    customer_b: Annotated[str, typer.Argument(help="customer_id merged with A")],
) -> None:
    """Make A and B one customer from the next run on (a must-link; undone by `unmerge`)."""
    from assets.review.manual import merge_customers

    typer.echo(merge_customers(_layout(), customer_a, customer_b))


@customer_app.command("unmerge")
def unmerge_command(
    customer: Annotated[str, typer.Argument(help="customer_id to split")],
    records: Annotated[
        list[str],
        typer.Option("--records", help="source:source_record_id to take out (repeat or comma-separate)"),
    ],
) -> None:
    """Take records out of a customer into a customer of their own from the next run on (cannot-links)."""
    from assets.review.manual import unmerge_customer

    wanted = [r.strip() for item in records for r in item.split(",") if r.strip()]
    typer.echo(unmerge_customer(_layout(), customer, wanted))
