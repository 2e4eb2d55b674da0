"""The `report/run_report` asset: the HTML run report, regenerated after the marts, linked from its metadata."""

from collections.abc import Sequence

import dagster as dg

from assets.dbt.keys import dbt_asset_key
from assets.metadata import bar_chart, distribution_counts
from assets.report.build import Report, make_report
from assets.settings import Settings

REPORT_KEY = dg.AssetKey(["report", "run_report"])
# The report reads linkage and these marts (keys `marts/<model>`, docs/CONTRACTS.md).
REPORT_MARTS = (
    "dim_customer", "fct_orders", "fct_survey_responses", "mart_customer_profile", "mart_satisfaction",
    "mart_customer_kpis",
)  # fmt: skip
DEFAULT_DEPS: tuple[dg.AssetKey, ...] = (
    dg.AssetKey(["linkage", "customer_xref"]),
    *(dbt_asset_key(name) for name in REPORT_MARTS),
)


def report_metadata(report: Report) -> dict[str, object]:
    """What the asset page shows: links to the file and the headline figures of each section."""
    meta: dict[str, object] = {
        "report": dg.MetadataValue.path(str(report.path)),
        "report_url": dg.MetadataValue.url(report.path.resolve().as_uri()),
        "latest": dg.MetadataValue.path(str(report.latest)),
        "run_date": report.run_date,
    }
    for name in ("files", "quarantine", "linkage", "marts"):
        section = getattr(report, name)
        if not section.produced:
            meta[f"{name}"] = section.problem or section.note
            continue
        for key, value in section.figures.items():
            if isinstance(value, bool | int | float | str):
                meta[f"{name}/{key}"] = value
    if report.linkage.produced and "cluster_sizes" in report.linkage.tables:
        sizes = distribution_counts(report.linkage.tables["cluster_sizes"]["size"])
        meta["cluster_size_distribution"] = bar_chart(
            sizes, "Customers by cluster size", "records", "customers"
        )
    monthly = report.marts.tables.get("satisfaction_by_month")
    if monthly is not None and len(monthly):
        meta["nps_by_month"] = bar_chart(monthly.set_index("month")["nps"], "NPS by month", "month", "NPS")
    return meta


def build_report_asset(deps: Sequence[dg.AssetKey] = DEFAULT_DEPS) -> dg.AssetsDefinition:
    @dg.asset(
        key=REPORT_KEY,
        deps=list(deps),
        group_name="report",
        kinds={"html"},
        description="Self-contained HTML run report: data quality by source, linkage summary, marts' headline figures.",
    )
    def run_report(context: dg.AssetExecutionContext, settings: Settings) -> dg.MaterializeResult:
        # Unpartitioned, but inside the nightly job the run's partition tag says which run_date it reports on.
        run_date = context.run.tags.get("dagster/partition")
        report = make_report(settings.layout(), run_id=context.run_id, run_date=run_date)
        context.log.info(f"run report written to {report.path}")
        return dg.MaterializeResult(metadata=report_metadata(report))

    return run_report


run_report_asset = build_report_asset()
