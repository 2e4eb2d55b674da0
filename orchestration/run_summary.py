"""The figures `customer360 run` prints: this run's own (files it loaded, rows it quarantined), the customer
file it left behind, the marts with their row counts, and where to look next."""

from __future__ import annotations

import datetime as dt

from assets.layout import DataLayout


def run_figures(layout: DataLayout, partition: str, since: dt.datetime) -> dict[str, object]:
    """Files this run saw for `partition` (recorded in the manifest at or after `since`) and the customer file."""
    from assets.ingest.manifest import pending_rows, read_manifest
    from assets.parquet_files import zone_relation
    from assets.privacy.encryption import zone_connection

    figures: dict[str, object] = {}
    manifest = zone_relation(layout.manifest)
    xref = zone_relation(layout.linkage_dir / "customer_xref.parquet")
    with zone_connection() as con:
        if manifest is not None:
            row = con.execute(
                "select count(*) filter (where status = 'loaded'), count(distinct source) filter (where status = 'loaded'),"
                " count(*) filter (where status = 'duplicate'), count(*) filter (where status = 'failed'),"
                " coalesce(sum(rows_valid) filter (where status = 'loaded'), 0),"
                f" coalesce(sum(rows_quarantined) filter (where status = 'loaded'), 0) from {manifest}"
                " where run_date = ? and loaded_at >= ?",
                [partition, since],
            ).fetchone()
            figures.update(
                files_loaded=row[0], sources_loaded=row[1], files_duplicate=row[2], files_failed=row[3],
                rows_valid=int(row[4]), rows_quarantined=int(row[5]),
            )  # fmt: skip
            rejected = con.execute(
                f"select key, error from {manifest} where status = 'failed' and run_date = ? and loaded_at >= ?"
                " order by key",
                [partition, since],
            ).fetchall()
            figures["files_pending"] = len(pending_rows(read_manifest(layout)))  # loaded, not yet linked
            figures["rejected"] = [
                f"rejected {key}: {' '.join(str(error).split())}" for key, error in rejected
            ]
        if xref is not None:
            row = con.execute(f"select count(*), count(distinct customer_id) from {xref}").fetchone()
            figures.update(person_records=row[0], customers=row[1])
    figures.update(rules_figures(layout, partition, since))
    return figures


def rules_figures(layout: DataLayout, partition: str, since: dt.datetime) -> dict[str, list[str]]:
    """The silver days this run re-standardised under the release's rules (not its own partition), and those
    still written under other rules (assets/standardise/rules.py)."""
    from assets.standardise.rules import stale_dates, stamped_since

    redone = [d for d in stamped_since(layout, since.timestamp()) if d != partition]
    return {"restandardised": redone, "stale_days": stale_dates(layout)}


def mart_rows(layout: DataLayout) -> list[tuple[str, int]]:
    """(schema.table, rows) of every dim_/fct_/mart_ table, read-only (no lock left on the warehouse)."""
    from assets.privacy.encryption import connect_warehouse

    if not layout.warehouse.exists():
        return []
    with connect_warehouse(layout.warehouse, read_only=True) as (wh, catalog):
        tables = wh.execute(
            "select table_schema, table_name from information_schema.tables where table_catalog = ?"
            " and (table_name like 'mart\\_%' escape '\\' or table_name like 'dim\\_%' escape '\\'"
            " or table_name like 'fct\\_%' escape '\\') order by table_name",
            [catalog],
        ).fetchall()
        return [
            (
                f"{schema}.{name}",
                wh.execute(f'select count(*) from "{catalog}"."{schema}"."{name}"').fetchone()[0],
            )
            for schema, name in tables
        ]


def format_summary(
    partition: str,
    success: bool,
    seconds: float,
    figures: dict[str, object],
    marts: list[tuple[str, int]],
    layout: DataLayout,
    log_file: str,
    failures: list[str],
) -> list[str]:
    """The lines printed after the progress: outcome, this run's figures, marts, next step."""
    status = "succeeded" if success else "FAILED"
    lines = [f"run {partition} {status} in {seconds:.0f} s"]
    if "files_loaded" in figures:
        lines.append(
            f"  this run: {figures['files_loaded']} files loaded from {figures['sources_loaded']} sources"
            f" ({figures['files_duplicate']} already seen, {figures['files_failed']} failed);"
            f" {figures['rows_valid']:,} rows valid, {figures['rows_quarantined']:,} quarantined"
        )
    lines += [f"  {line}" for line in figures.get("rejected", [])]
    if figures.get("files_pending"):
        lines.append(f"  {figures['files_pending']} loaded files wait for the next linkage (not yet settled)")
    if figures.get("restandardised"):
        days = figures["restandardised"]
        lines.append(
            f"  standardised again: {len(days)} earlier day(s) ({_days(days)}), older rules or pending files"
        )
    if figures.get("stale_days"):
        days = figures["stale_days"]
        lines.append(
            f"  STALE: {len(days)} day(s) of silver still written under other standardisation rules"
            f" ({_days(days)}); the log names why (bronze gone, or a failed run: re-run `customer360 run`)"
        )
    if "customers" in figures:
        lines.append(
            f"  customer file: {figures['customers']:,} customers from {figures['person_records']:,} person records"
        )
    if marts:
        lines.append(f"  marts in {layout.warehouse}:")
        width = max(len(name) for name, _ in marts)
        lines += [f"    {name:<{width}}  {rows:>9,} rows" for name, rows in marts]
    lines += [f"  {line}" for line in failures]
    report = layout.reports / "latest.html"
    lines.append(f"  full log: {log_file}")
    if success:
        nxt = f"open {report}" if report.exists() else "run `make dev` to browse the assets"
        lines.append(f"next: {nxt}, or `make dev` for the Dagster UI (the run is in its history)")
    else:
        lines.append(
            "next: fix what is named above, then re-run `customer360 run` (files already loaded are not re-read)"
        )
    return lines


def _days(days: list[str], shown: int = 5) -> str:
    return ", ".join(days[:shown]) + (f" and {len(days) - shown} more" if len(days) > shown else "")
