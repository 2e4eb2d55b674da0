"""Run the nightly job in-process against the Dagster instance, and summarise what it produced."""

from __future__ import annotations

import typer

from assets.ingest.manifest import pending_rows, read_manifest
from assets.parquet_files import zone_relation
from assets.privacy.encryption import connect_warehouse, zone_connection
from assets.settings import settings_from_env
from orchestration.jobs import NIGHTLY_JOB
from orchestration.logging import failure_summary, format_failures


def run_nightly(partition: str, full_refresh: bool = False) -> bool:
    """Execute the nightly job in this process, under the run guard shared with daemon-launched runs.
    `full_refresh`: re-link every record with a refitted model (the link asset's run config)."""
    import uuid

    import dagster as dg

    from orchestration.definitions import defs
    from orchestration.run_guard import guarded_run

    job = defs.resolve_job_def(NIGHTLY_JOB)
    run_id = str(uuid.uuid4())
    layout = settings_from_env().layout()
    with (
        dg.DagsterInstance.get() as instance,
        guarded_run(instance, layout.root, layout.warehouse, run_id, _say),
    ):
        result = job.execute_in_process(
            instance=instance,
            partition_key=partition,
            raise_on_error=False,
            run_id=run_id,
            run_config={
                "loggers": {"console": {"config": {"log_level": "INFO"}}},
                **({"ops": {"link": {"config": {"full_refresh": True}}}} if full_refresh else {}),
            },
        )
    for line in format_failures(failure_summary(result.all_events)):
        typer.echo(line, err=True)
    return result.success


def _say(line: str) -> None:
    typer.echo(f"customer360 run: {line}", err=True)


def summary(partition: str) -> dict[str, object]:
    """Headline figures of the customer file, read from the layers (no lock held on the warehouse afterwards)."""
    layout = settings_from_env().layout()
    figures: dict[str, object] = {"run_date": partition, "warehouse": str(layout.warehouse)}
    manifest = zone_relation(layout.manifest)
    xref = zone_relation(layout.linkage_dir / "customer_xref.parquet")
    with zone_connection() as con:
        if manifest is not None:
            row = con.execute(
                "select count(distinct source) filter (where status = 'loaded'), count(*) filter (where status = 'failed'),"
                f" coalesce(sum(rows_quarantined), 0) from {manifest}"
            ).fetchone()
            figures.update(sources_loaded=row[0], files_failed=row[1], rows_quarantined=int(row[2]))
            figures["files_pending"] = len(pending_rows(read_manifest(layout)))  # loaded, not yet linked
        if xref is not None:
            row = con.execute(f"select count(*), count(distinct customer_id) from {xref}").fetchone()
            figures.update(person_records=row[0], customers_found=row[1])
    report = layout.reports / "latest.html"
    if report.exists():
        figures["report"] = str(report)
    if layout.warehouse.exists():
        with connect_warehouse(layout.warehouse, read_only=True) as (wh, catalog):
            marts = wh.execute(
                "select table_schema || '.' || table_name from information_schema.tables"
                " where table_catalog = ? and (table_name like 'mart_%' or table_name like 'dim_%' or table_name like 'fct_%')"
                " order by 1",
                [catalog],
            ).fetchall()
        figures["marts"] = [m[0] for m in marts]
    return figures


def print_summary(partition: str) -> None:
    for key, value in summary(partition).items():
        typer.echo(f"{key:>18}: {value}")
    for line in rejected_files(partition):
        typer.echo(line)


def rejected_files(partition: str) -> list[str]:
    """`rejected <source>/<key>: <reason>`, one line per landing file this run_date could not read."""
    manifest = zone_relation(settings_from_env().layout().manifest)
    if manifest is None:
        return []
    with zone_connection() as con:
        rows = con.execute(
            f"select key, error from {manifest} where status = 'failed' and run_date = ? order by key",
            [partition],
        ).fetchall()
    return [f"          rejected: {key}: {' '.join(str(error).split())}" for key, error in rows]
