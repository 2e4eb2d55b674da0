"""Operational asset checks: source freshness and linkage sanity (write-audit-publish).

- `raw/<source>` · `source_freshness` (WARN): the source's newest loaded file, from the file manifest, is
  not older than its max age relative to the run's partition (so backfills of past days judge fairly).
- `linkage/customer_xref` · `linkage_sanity` (ERROR, blocking): cluster sizes and the merge rate stay within
  absolute bounds, and the records present in the last accepted run do not suddenly gather into fewer
  customers (new sources may raise the merge rate; the same records collapsing may not). Blocking, so an
  over-merge stops the marts and nothing downstream (dbt, delivery) is built from it. Accepted runs'
  figures and hashed record keys are kept in `linkage/history/`; a rejected run never becomes the baseline.
"""

import datetime as dt
import hashlib
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg
import duckdb
import pandas as pd
import pyarrow as pa
from pydantic import BaseModel, Field

from assets import background
from assets.background import LINKAGE_WRITTEN, XREF_STAGED
from assets.ingest.manifest import read_manifest
from assets.layout import DataLayout
from assets.metadata import bar_chart, distribution_counts
from assets.parquet_files import read_parquet, write_parquet_atomic, zone_relation
from assets.partitions import TIMEZONE, daily_partitions
from assets.privacy.encryption import zone_connection
from assets.settings import Settings

FRESHNESS_CHECK = "source_freshness"
LINKAGE_CHECK = "linkage_sanity"
STAGED_FIGURES = "linkage_sanity: staged customer file"
XREF_KEY = dg.AssetKey(["linkage", "customer_xref"])


# --- freshness ----------------------------------------------------------------------------------


FRESH, STALE, NOT_STARTED, NO_DATA = "fresh", "stale", "not started", "no data yet"


def source_freshness(
    manifest: pd.DataFrame, sources: Iterable[str], as_of: dt.date, max_age_days: Mapping[str, int] | int
) -> pd.DataFrame:
    """Per source, as of the partition date `as_of`: its last loaded run_date up to that day, the age, a status
    and why. Loads of later partitions are not counted against `as_of` (a backfill judges the day it replays),
    but they tell a source that had not started yet (`not started`, passes) from one that never delivered
    anything (`no data yet`, a warning) and from one that stopped (`stale`)."""
    loaded = manifest[(manifest["status"] == "loaded") & manifest["run_date"].notna()]
    dates = pd.to_datetime(loaded["run_date"]).dt.date
    last = loaded[dates <= as_of].groupby("source")["run_date"].max()
    first_later = loaded[dates > as_of].groupby("source")["run_date"].min()
    rows = []
    for source in sources:
        limit = max_age_days if isinstance(max_age_days, int) else max_age_days.get(source, 2)
        last_date, age = last.get(source), None
        if last_date is not None:
            age = (as_of - dt.date.fromisoformat(str(last_date))).days
            status = FRESH if age <= limit else STALE
            reason = (
                f"{source}: last file loaded for {last_date} ({age} days before {as_of})"
                if status == FRESH
                else f"{source}: stopped delivering — last file loaded for {last_date}, {age} days before {as_of}"
                f" (max {limit}); ask the source owner for the missing exports or check the landing zone"
            )
        elif source in first_later:
            status = NOT_STARTED
            reason = (
                f"{source}: no delivery up to {as_of}; its first file was loaded for {first_later[source]}"
            )
        else:
            status = NO_DATA
            reason = (
                f"{source}: no data yet — configured in config/sources.yaml but no file has been loaded; "
                "check its landing glob, or remove the source if it is not delivering"
            )
        rows.append(
            {"source": source, "last_run_date": last_date, "age_days": age, "max_age_days": limit,
             "status": status, "fresh": status in {FRESH, NOT_STARTED}, "reason": reason}
        )  # fmt: skip
    return pd.DataFrame(
        rows, columns=["source", "last_run_date", "age_days", "max_age_days", "status", "fresh", "reason"]
    )


def _as_of(context: dg.AssetCheckExecutionContext) -> dt.date:
    """The partition being checked (backfills judge the day they replay), else today in the partitions' timezone."""
    key = context.partition_key if context.has_partition_key else context.run.tags.get("dagster/partition")
    if key:
        return dt.date.fromisoformat(key)
    return dt.datetime.now(ZoneInfo(TIMEZONE)).date()


def freshness_metadata(row: object) -> dict[str, object]:
    """What the UI plots: only figures that exist (no -1 placeholders for a source without loads)."""
    metadata: dict[str, object] = {"status": row.status, "max_age_days": int(row.max_age_days)}
    if not pd.isna(row.last_run_date):
        metadata["last_run_date"] = str(row.last_run_date)
        metadata["age_days"] = int(row.age_days)
    return metadata


def build_freshness_checks(
    source_names: list[str], max_age_days: Mapping[str, int] | int = 2
) -> dg.AssetChecksDefinition:
    """One check per `raw/<source>` and daily partition, evaluated together from the manifest (one read, one op)."""
    specs = [
        dg.AssetCheckSpec(
            FRESHNESS_CHECK,
            asset=dg.AssetKey(["raw", s]),
            description="The source delivered a file recently enough for this partition (file manifest vs max "
            "age in days); a source that never delivered is 'no data yet'.",
            partitions_def=daily_partitions,
        )
        for s in source_names
    ]

    @dg.multi_asset_check(specs=specs, name="source_freshness_checks", can_subset=True)
    def freshness(
        context: dg.AssetCheckExecutionContext, settings: Settings
    ) -> Iterable[dg.AssetCheckResult]:
        layout = settings.layout()
        selected = {key.asset_key.path[-1] for key in context.selected_asset_check_keys}
        names = [s for s in source_names if s in selected]
        table = source_freshness(read_manifest(layout), names, _as_of(context), max_age_days)
        for row in table.itertuples(index=False):
            if not row.fresh:
                context.log.warning(row.reason)
            yield dg.AssetCheckResult(
                asset_key=dg.AssetKey(["raw", row.source]),
                check_name=FRESHNESS_CHECK,
                passed=bool(row.fresh),
                severity=dg.AssetCheckSeverity.WARN,
                description=row.reason,
                metadata=freshness_metadata(row),
            )

    return freshness


# --- linkage sanity -----------------------------------------------------------------------------


class LinkageBounds(BaseModel):
    """Limits on the customer file's shape. The cluster-size limit scales with the data: the last accepted
    run's largest customer, grown with the record count (first run: the current size distribution's tail)."""

    max_cluster_size: int | None = Field(
        default=None, ge=2, description="a fixed cap on records per customer instead of the scaled limit"
    )
    min_cluster_limit: int = Field(
        default=20, ge=2, description="the scaled limit never falls below this (small or young files)"
    )
    tail_factor: float = Field(
        default=8.0,
        ge=1,
        description="first run: largest customer at most this × the 99th percentile of multi-record sizes",
    )
    max_merge_rate: float = Field(default=0.9, gt=0, le=1, description="1 − customers/records, absolute cap")
    max_collapse: float = Field(
        default=0.05,
        gt=0,
        lt=1,
        description="share of last run's customers (among records in both runs) that may merge into others",
    )
    max_cluster_growth: float = Field(
        default=3.0, ge=1, description="largest cluster may grow by this factor (× the record count's growth)"
    )


def cluster_size_limit(
    current: Mapping[str, float], previous: Mapping[str, float] | None, bounds: LinkageBounds
) -> tuple[int, str]:
    """Most records one customer may gather this run, and how the limit was set.

    A person's records grow at most with the file, so the last accepted run's largest customer may grow by
    `max_cluster_growth` × (records now / records then). Without a previous run, chaining shows as an outlier
    far beyond the tail of the run's own size distribution.
    """
    if bounds.max_cluster_size is not None:
        return bounds.max_cluster_size, "fixed"
    if previous:
        scale = max(1.0, float(current["records"]) / max(float(previous["records"]), 1.0))
        limit = bounds.max_cluster_growth * max(float(previous["max_cluster_size"]), 1.0) * scale
        how = f"×{bounds.max_cluster_growth:g} the last accepted run's {int(previous['max_cluster_size'])}"
        if scale > 1:
            how += f", ×{scale:.2f} for the records' growth"
    else:
        tail = float(current.get("p99_multi_cluster_size", 1.0))
        limit = bounds.tail_factor * tail
        how = f"×{bounds.tail_factor:g} the 99th percentile multi-record size {tail:g}"
    if limit < bounds.min_cluster_limit:
        return bounds.min_cluster_limit, "floor"
    return int(limit), how


def size_stats(records: int, sizes: pd.Series) -> dict[str, float]:
    """Shape of the customer file from its record count and its records per customer (unlinked records left
    out): customers, merge rate, cluster-size percentiles."""
    multi = sizes[sizes > 1]
    return {
        "records": records,
        "customers": int(sizes.size),
        "merge_rate": round(1 - sizes.size / records, 6) if records else 0.0,
        "multi_record_share": round(float(sizes[sizes > 1].sum() / records), 6) if records else 0.0,
        "max_cluster_size": int(sizes.max()) if records else 0,
        "p99_cluster_size": float(sizes.quantile(0.99)) if records else 0.0,
        "p99_multi_cluster_size": float(multi.quantile(0.99)) if len(multi) else 1.0,
    }


# A record's kept key and customer, in SQL over the customer file (the first 20 hex digits of the SHA-256 of
# `source \x1f source_record_id`, so the kept snapshot holds no source ids; a missing value reads 'None')
_KEYS_SQL = """
    select left(sha256(coalesce(cast(source as varchar), 'None') || chr(31)
                       || coalesce(cast(source_record_id as varchar), 'None')), 20) as record_key,
           coalesce(cast(customer_id as varchar), 'None') as customer_id,
           customer_id is null as unlinked
    from {xref}
"""
_STABILITY_SQL = """
    select count(*), count(distinct p.customer_id), count(distinct c.customer_id)
    from {previous} as p join {current} as c using (record_key)
"""


def _stability(con: duckdb.DuckDBPyConnection, previous: str, current: str) -> dict[str, float]:
    common, before, after = con.execute(_STABILITY_SQL.format(previous=previous, current=current)).fetchone()
    return {
        "stable_records": common,
        "customers_before": before,
        "customers_after": after,
        "collapse": round(1 - after / before, 6) if before else 0.0,
    }


def linkage_problems(
    current: Mapping[str, float],
    previous: Mapping[str, float] | None,
    bounds: LinkageBounds,
    stable: Mapping[str, float] | None = None,
) -> list[str]:
    """Every bound the current xref breaks, phrased with what to do about it. Empty = sane."""
    problems = []
    fix = "inspect linkage/match_pairs for the run (blocking rules, thresholds in config/linkage.yaml)"
    limit, how = cluster_size_limit(current, previous, bounds)
    if current["max_cluster_size"] > limit:
        grew = f"; it was {int(previous['max_cluster_size'])} in the last accepted run" if previous else ""
        problems.append(
            f"a customer gathers {current['max_cluster_size']} records (limit {limit}: {how}){grew}: "
            f"likely chaining through a shared phone/email; {fix}"
        )
    if current["merge_rate"] > bounds.max_merge_rate:
        problems.append(f"merge rate {current['merge_rate']:.1%} above {bounds.max_merge_rate:.0%}; {fix}")
    if stable and stable["collapse"] > bounds.max_collapse:
        problems.append(
            f"over-merge: the {stable['stable_records']} records of both runs went from "
            f"{stable['customers_before']} to {stable['customers_after']} customers "
            f"({stable['collapse']:.1%} merged away, max {bounds.max_collapse:.0%}); {fix}"
        )
    return problems


def history_dir(layout: DataLayout) -> Path:
    return layout.linkage_dir / "history"


def stats_history_path(layout: DataLayout) -> Path:
    return history_dir(layout) / "xref_stats.parquet"


def accepted_snapshot_path(layout: DataLayout) -> Path:
    return history_dir(layout) / "accepted_xref_keys.parquet"


def previous_accepted(layout: DataLayout, fingerprint: str) -> tuple[dict[str, float] | None, Path | None]:
    """The last accepted run's figures and the file of its record keys — unless that run was this very xref
    (idempotent)."""
    path = stats_history_path(layout)
    if not path.exists():
        return None, None
    history = read_parquet(path)
    last = history.iloc[-1].to_dict()
    if last["fingerprint"] == fingerprint:  # re-check of the accepted xref: compare with the one before
        earlier = history.iloc[:-1]
        return (earlier.iloc[-1].to_dict() if len(earlier) else None), None
    snapshot = accepted_snapshot_path(layout)
    return last, (snapshot if snapshot.exists() else None)


def record_accepted(
    layout: DataLayout,
    fingerprint: str,
    stats: Mapping[str, float],
    keys: pd.DataFrame | pa.Table,
    run_id: str,
) -> None:
    """Append the accepted run's figures and keep its record keys as the next baseline."""
    path = stats_history_path(layout)
    path.parent.mkdir(parents=True, exist_ok=True)
    history = read_parquet(path) if path.exists() else None
    if history is not None and history.iloc[-1]["fingerprint"] == fingerprint:
        return
    row = pd.DataFrame(
        [{**stats, "fingerprint": fingerprint, "run_id": run_id, "at": pd.Timestamp.now(tz="UTC")}]
    )
    write_parquet_atomic(keys, accepted_snapshot_path(layout))
    write_parquet_atomic(row if history is None else pd.concat([history, row], ignore_index=True), path)


def _fingerprint(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:32]


@dataclass(frozen=True)
class XrefFigures:
    """What the sanity check computes of the customer file (reads only): the file's fingerprint, the last
    accepted run's figures, the file's shape and its records' stability against that run, and its record keys
    (the next baseline, kept if the file is accepted)."""

    fingerprint: str
    previous: dict[str, float] | None
    current: dict[str, float]
    sizes: pd.Series
    stable: dict[str, float] | None
    keys: pa.Table


def xref_figures(layout: DataLayout, path: Path | None = None) -> XrefFigures:
    """The check's computation over linkage/customer_xref.parquet (or the customer file at `path`) and
    linkage/history/ (writes nothing, so it can run ahead beside the link step's tail: `start_xref_figures`)."""
    path = layout.linkage_dir / "customer_xref.parquet" if path is None else path
    fingerprint = _fingerprint(path)
    previous, previous_keys = previous_accepted(layout, fingerprint)
    # in DuckDB over the files: a night's check reads, hashes and compares the whole customer file. One thread:
    # ahead, it runs beside the review queue's reads (assets/review/defs.py), each on its own core
    with zone_connection() as con:
        con.execute("SET threads = 1")
        con.execute(f"create temp table xref_keys as {_KEYS_SQL.format(xref=zone_relation(path))}")
        records = con.execute("select count(*) from xref_keys").fetchone()[0]
        sizes = con.execute(
            "select count(*) as n from xref_keys where not unlinked group by customer_id"
        ).df()["n"]
        stable = (
            _stability(con, zone_relation(previous_keys), "xref_keys") if previous_keys is not None else None
        )
        keys = con.execute("select record_key, customer_id from xref_keys").fetch_arrow_table()
    return XrefFigures(fingerprint, previous, size_stats(records, sizes), sizes, stable, keys)


def xref_figures_work(layout: DataLayout) -> tuple[str, Callable[[], XrefFigures], list[Path]]:
    """`xref_figures` as background work (assets/background.py): its name, the work and what it reads (the
    customer file and the accepted runs' history); the same for `start` and `take`."""
    inputs = [layout.linkage_dir / "customer_xref.parquet", history_dir(layout)]
    return LINKAGE_CHECK, lambda: xref_figures(layout), inputs


def start_xref_figures(layout: DataLayout) -> None:
    """`xref_figures` in the background, for the check step to take."""
    background.start(*xref_figures_work(layout))


FileIdentity = tuple[int, int, int, int]  # device, inode, size, mtime_ns


def file_identity(stat: os.stat_result) -> FileIdentity:
    return stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns


@dataclass(frozen=True)
class StagedFigures:
    """`xref_figures` of the customer file the link step wrote under its temporary name, and that file's
    identity: they are the figures of the file in place only while it is that very file (a rename keeps it)."""

    figures: XrefFigures
    file: FileIdentity


def staged_xref_figures(layout: DataLayout, staged: Path) -> StagedFigures:
    """`xref_figures` of the customer file at its temporary name `staged`, read through a descriptor opened on
    it: the file renamed into place meanwhile is still the file read (/proc/self/fd follows it; where there is
    none, the path is read, and a rename makes the read fail: the check computes its figures itself)."""
    fd = os.open(staged, os.O_RDONLY)
    try:
        before = file_identity(os.fstat(fd))
        via = Path(f"/proc/self/fd/{fd}")
        figures = xref_figures(layout, via if via.exists() else staged)
        if file_identity(os.fstat(fd)) != before:
            raise RuntimeError(f"{staged} changed while its figures were computed")
        return StagedFigures(figures, before)
    finally:
        os.close(fd)


def start_staged_figures(layout: DataLayout, staged: Path) -> None:
    """`staged_xref_figures` in the background, for the check step to take (`figures_in_place`)."""
    background.start(STAGED_FIGURES, lambda: staged_xref_figures(layout, staged), [history_dir(layout)])


def figures_in_place(layout: DataLayout, path: Path) -> XrefFigures | None:
    """The figures computed ahead on the staged customer file when the file at `path` is that very file (same
    device, inode, size and mtime) and linkage/history/ is as they read it; None otherwise (none computed,
    they raised, the write failed and left the old file, a file written since)."""
    staged = background.take(STAGED_FIGURES, lambda: None, [history_dir(layout)])
    if staged is None:
        return None
    try:
        in_place = file_identity(os.stat(path))
    except FileNotFoundError:
        return None
    return staged.figures if staged.file == in_place else None


def planned_xref_figures(layout: DataLayout, wanted: bool) -> background.Plan:
    """For `background_run`: the check's computation started once the link step has written the customer file
    under its temporary name (assets/background.py XREF_STAGED), beside the rest of that step's writes; else
    (a link step that hands no staged file on) once it has put its outputs in place (LINKAGE_WRITTEN)."""

    def once_written() -> None:
        if not background.under_way(STAGED_FIGURES):
            start_xref_figures(layout)

    if not wanted:
        return {}
    return background.merged_plans(
        background.plan(XREF_STAGED, lambda staged: start_staged_figures(layout, staged)),
        background.plan(LINKAGE_WRITTEN, once_written),
    )


def evaluate_linkage(layout: DataLayout, bounds: LinkageBounds, run_id: str = "") -> dg.AssetCheckResult:
    """The sanity verdict on the current xref; an accepted xref becomes the next run's baseline. Its figures are
    taken from the background when they were computed there over the files as they are now."""
    path = layout.linkage_dir / "customer_xref.parquet"
    if not path.exists():
        return dg.AssetCheckResult(
            passed=False,
            description=f"{path} missing: the linkage step wrote nothing; see its step log",
        )
    figures = figures_in_place(layout, path) or background.take(*xref_figures_work(layout))
    previous, current, stable, sizes = figures.previous, figures.current, figures.stable, figures.sizes
    problems = linkage_problems(current, previous, bounds, stable)
    if not problems:
        record_accepted(layout, figures.fingerprint, current, figures.keys, run_id)
    limit, limit_how = cluster_size_limit(current, previous, bounds)
    distribution = distribution_counts(sizes)
    metadata: dict[str, object] = {
        **{k: float(v) if isinstance(v, float) else int(v) for k, v in current.items()},
        **({f"stable/{k}": v for k, v in stable.items()} if stable else {}),
        "previous_merge_rate": float(previous["merge_rate"]) if previous else -1.0,
        "previous_max_cluster_size": int(previous["max_cluster_size"]) if previous else -1,
        "cluster_size_limit": limit,
        "cluster_size_limit_from": limit_how,
        "cluster_size_distribution": bar_chart(
            distribution, "Customers by cluster size", "records", "customers"
        ),
    }
    baseline = (
        "first run: absolute bounds only" if previous is None else "within bounds of the last accepted run"
    )
    return dg.AssetCheckResult(
        passed=not problems,
        severity=dg.AssetCheckSeverity.ERROR,
        description="; ".join(problems) if problems else f"{current['customers']} customers, {baseline}",
        metadata=metadata,
    )


def build_linkage_check(bounds: LinkageBounds | None = None) -> dg.AssetChecksDefinition:
    bounds = bounds or LinkageBounds()

    @dg.asset_check(
        asset=XREF_KEY,
        name=LINKAGE_CHECK,
        blocking=True,
        description="Match rate and cluster sizes within bounds vs the last accepted run; blocks the marts on failure.",
    )
    def linkage_sanity(context: dg.AssetCheckExecutionContext, settings: Settings) -> dg.AssetCheckResult:
        result = evaluate_linkage(settings.layout(), bounds, run_id=context.run.run_id)
        if not result.passed:
            context.log.error(f"linkage sanity failed, marts will not be built: {result.description}")
        return result

    return linkage_sanity


def build_operational_checks(
    source_names: list[str], max_age_days: Mapping[str, int] | int = 2, bounds: LinkageBounds | None = None
) -> list[dg.AssetChecksDefinition]:
    """Everything this module offers, for `Definitions(asset_checks=...)`."""
    checks = [build_linkage_check(bounds)]
    if source_names:
        checks.insert(0, build_freshness_checks(source_names, max_age_days))
    return checks
