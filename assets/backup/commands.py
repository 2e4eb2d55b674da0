"""`customer360 backup` and `customer360 restore` (registered on the CLI app by orchestration/cli.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def backup_command(
    to: Annotated[
        str | None,
        typer.Option("--to", help="folder or s3://bucket/prefix (default: C360_BACKUP_TO, else ./backups)"),
    ] = None,
    keep_daily: Annotated[int, typer.Option(min=1, help="newest backup of each of the last N days kept")] = 7,
    keep_weekly: Annotated[
        int, typer.Option(min=0, help="newest backup of each of the last M weeks kept")
    ] = 4,
) -> None:
    """Back up the customer file (warehouse, zones, linkage state, manifest, erasure state, config), checksummed."""
    from assets.backup.run import run_backup
    from assets.settings import settings_from_env

    try:
        info = run_backup(settings_from_env().layout(), to, keep_daily, keep_weekly, say=typer.echo)
    except Exception as exc:  # one line, never a traceback, for a command run by hand or cron
        typer.echo(f"backup failed: {exc}", err=True)
        raise typer.Exit(1) from exc
    sealed = "encrypted" if info.encrypted else "not encrypted (no C360_ENCRYPTION_KEY)"
    typer.echo(f"backup {info.where}: {info.files} files, {info.bytes / 1e6:.1f} MB, {sealed}")
    if info.removed:
        typer.echo(f"retention removed {len(info.removed)} older backup(s): {', '.join(info.removed)}")


def restore_command(
    source: Annotated[
        str, typer.Option("--from", help="a backup (…/backup-<time>) or a folder/s3 prefix of them")
    ],
    to: Annotated[Path, typer.Option("--to", help="an empty data dir to restore into")],
    config_to: Annotated[
        Path | None,
        typer.Option("--config-to", help="where the backed-up config goes (default: TO/restored-config)"),
    ] = None,
) -> None:
    """Restore a backup into an empty data dir after verifying every checksum; re-applies later erasures."""
    from assets.backup.restore import restore_backup
    from assets.privacy.encryption import encryption_key

    try:
        info = restore_backup(source, to, encryption_key(), config_to)
    except Exception as exc:
        typer.echo(f"restore failed: {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(
        f"restored {info.backup} into {to}: {info.files} files, {info.bytes / 1e6:.1f} MB; config in "
        f"{info.config_dir}; {info.erasures_reapplied} erasure request(s) recorded after the backup re-applied"
    )
    typer.echo(f"next: export C360_DATA_DIR={to} C360_CONFIG_DIR={info.config_dir} and run the nightly job")
