"""CLI commands of the privacy feature; the lead registers them on the `customer360` typer app:
`app.command("erase")(erase_command)`."""

from __future__ import annotations

from typing import Annotated

import typer

from assets.privacy.erasure import record_erasure_request
from assets.settings import settings_from_env


def erase_command(
    email: Annotated[
        str | None, typer.Option("--email", help="e-mail address of the person to forget")
    ] = None,
    phone: Annotated[
        str | None, typer.Option("--phone", help="phone number (any format, +86 assumed)")
    ] = None,
    customer_id: Annotated[
        str | None, typer.Option("--customer-id", help="customer_id in the customer file")
    ] = None,
) -> None:
    """Record a right-to-be-forgotten request. The next run erases the person everywhere and keeps a tombstone."""
    try:
        request_id = record_erasure_request(
            settings_from_env().layout(), email=email, phone=phone, customer_id=customer_id
        )
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(
        f"erasure request {request_id} recorded; the next run applies it (only hashed identifiers are stored)"
    )
