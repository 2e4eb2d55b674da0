"""Run the nightly job in-process against the Dagster instance, and summarise what it produced."""

from __future__ import annotations

import typer

from assets.parquet_files import zone_relation
from assets.privacy.encryption import connect_warehouse, zone_connection
from assets.settings import settings_from_env
from orchestration.jobs import NIGHTLY_JOB
from orchestration.logging import failure_summary, format_failures


def run_nightly(partition: str, full_refresh: bool = False) -> bool:
    """`full_refresh`: re-link every record with a refitted model (the link asset's run config)."""
    import dagster as dg

    from orchestration.definitions import defs

    job = defs.resolve_job_def(NIGHTLY_JOB)
    with dg.DagsterInstance.get() as instance:
        result = job.execute_in_process(
            instance=instance,
            partition_key=partition,
            raise_on_error=False,
            run_config={
                "loggers": {"console": {"config": {"log_level": "INFO"}}},
                **({"ops": {"link": {"config": {"full_refresh": True}}}} if full_refresh else {}),
            },
        )
    for line in format_failures(failure_summary(result.all_events)):
        typer.echo(line, err=True)
    return result.success


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
