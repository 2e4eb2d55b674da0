"""`customer360`: everything a user runs by hand.

This file only declares the commands: each lives in its own module, imported when the command runs, so
`customer360 --help` answers without loading Dagster, pandas or scipy. Add a command with one line below
(`"name": LazyCommand("package.module:function_or_typer_app", "one-line help")`).
"""

from __future__ import annotations

import typer

from orchestration.lazy_cli import LazyCommand, lazy_group, plain_help_labels

COMMANDS: dict[str, LazyCommand] = {
    "sample": LazyCommand(
        "orchestration.commands.sample:sample_command",
        "Write a messy multi-source sample delivery about one set of true customers.",
    ),
    "run": LazyCommand(
        "orchestration.commands.run:run_command",
        "Run the nightly job once through Dagster and print what it produced.",
    ),
    "link": LazyCommand(
        "orchestration.link_command:link_command",
        "Link your own file of person records: customer ids, match evidence, a review queue.",
    ),
    "erase": LazyCommand(
        "assets.privacy.commands:erase_command",
        "Record a right-to-be-forgotten request; the next run erases the person everywhere.",
    ),
    "report": LazyCommand(
        "assets.report.cli:report_command",
        "Regenerate the self-contained HTML run report (data quality, linkage, marts).",
    ),
    "rotate-key": LazyCommand(
        "assets.privacy.commands:rotate_key_command",
        "Re-encrypt the warehouse and zone files from C360_ENCRYPTION_KEY to C360_NEW_ENCRYPTION_KEY.",
    ),
    "backup": LazyCommand(
        "assets.backup.commands:backup_command",
        "Snapshot the warehouse and data layers (checksummed, sealed when a key is set).",
    ),
    "restore": LazyCommand(
        "assets.backup.commands:restore_command",
        "Restore a backup after verifying every file.",
    ),
    "review": LazyCommand(
        "assets.review.cli:review_app",
        "The clerical review page, and decisions exported/imported as CSV.",
    ),
    "customer": LazyCommand(
        "assets.review.cli:customer_app",
        "Merge or unmerge customers by hand (recorded as steward decisions).",
    ),
}

plain_help_labels()
app = typer.Typer(
    cls=lazy_group(COMMANDS),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    help="customer360: one trusted customer file.",
)


@app.callback()
def main() -> None:
    """customer360: one trusted customer file."""
