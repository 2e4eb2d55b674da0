"""CLI commands of the privacy feature; the lead registers them on the `customer360` typer app:
`app.command("erase")(erase_command)`. Keys come from environment variables only (never argv: `ps` shows it)."""

from __future__ import annotations

from typing import Annotated

import typer

from assets.privacy.audit import record_event
from assets.privacy.encryption import ENCRYPTION_KEY_ENV, EncryptionUnavailable
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
    from assets.privacy.at_rest import check_key

    layout = settings_from_env().layout()
    try:
        check_key(layout)  # a wrong key would write the erasure state under it: refused before any write
        request_id = record_erasure_request(layout, email=email, phone=phone, customer_id=customer_id)
    except (ValueError, EncryptionUnavailable) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    typer.echo(
        f"erasure request {request_id} recorded; the next run applies it (only hashed identifiers are stored)"
    )


NEW_KEY_ENV = "C360_NEW_ENCRYPTION_KEY"


def rotate_key_command() -> None:
    """Re-encrypt the warehouse and every encrypted zone file from C360_ENCRYPTION_KEY to C360_NEW_ENCRYPTION_KEY.

    Run it while no customer360 run is active; afterwards export the new key as C360_ENCRYPTION_KEY everywhere.
    """
    from assets.privacy.at_rest import rotate_key
    from assets.secrets import EncryptionKeys

    keys = EncryptionKeys.from_env()
    old, new = keys.encryption_key, keys.new_encryption_key
    if old is None or new is None or old == new:
        typer.echo(
            f"error: export the current key as {ENCRYPTION_KEY_ENV} and a different new one as {NEW_KEY_ENV}",
            err=True,
        )
        raise typer.Exit(2)
    layout = settings_from_env().layout()
    lines = rotate_key(layout, old, new)
    record_event(layout, "key_rotation", str(layout.root), details={"changes": lines})
    for line in lines:
        typer.echo(line)
    typer.echo(f"done; now export the new key as {ENCRYPTION_KEY_ENV} for every customer360 process")
