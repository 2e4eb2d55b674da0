"""Read what a run produced, layer by layer, into plain frames for the report. Missing layers are fine.

Each `collect_*` returns a `Section`: `produced=False` (with a note) when its inputs do not exist yet,
`problem` set when they exist but could not be read — the report says so instead of failing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from assets.ingest.manifest import read_manifest
from assets.layout import DataLayout
from assets.parquet_files import open_parquet, read_parquet, zone_relation
from assets.privacy.encryption import connect_warehouse, zone_connection
from assets.privacy.masking import mask_text
from assets.report.linkage_figures import agreeing_matches, match_weights, pair_counts, xref_figures

EXAMPLE_MATCHES = 6
CONFIDENT = 0.99  # example matches are drawn from pairs at least this probable that ended in one customer


@dataclass
class Section:
    produced: bool = True
    note: str = ""
    problem: str = ""
    figures: dict[str, object] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)


def _missing(what: str) -> Section:
    return Section(produced=False, note=f"{what} not produced yet")


def _failed(what: str, exc: Exception) -> Section:
    return Section(produced=False, problem=f"{what} could not be read: {type(exc).__name__}: {exc}")


def _sql(query: str, params: list[object] | None = None) -> pd.DataFrame:
    with zone_connection() as con:
        return con.execute(query, params or []).df()


def latest_run_date(layout: DataLayout) -> str | None:
    """The newest run_date in the manifest (the partition the report describes by default)."""
    if not layout.manifest.exists():
        return None
    dates = read_manifest(layout)["run_date"].dropna()
    return str(dates.max()) if len(dates) else None


# --- data quality -------------------------------------------------------------------------------


def collect_files(layout: DataLayout, run_date: str | None) -> Section:
    """Files per source and status for run_date, failed files with their reason, last delivery per source."""
    if not layout.manifest.exists():
        return _missing("File manifest (ingest)")
    try:
        manifest = read_manifest(layout)
    except Exception as exc:
        return _failed(str(layout.manifest), exc)
    last = (
        manifest[manifest["status"] == "loaded"]
        .groupby("source", as_index=False)
        .agg(last_loaded_at=("loaded_at", "max"), last_run_date=("run_date", "max"))
    )
    run = manifest if run_date is None else manifest[manifest["run_date"] == run_date]
    by_source = (
        run.assign(n=1)
        .pivot_table(index="source", columns="status", values="n", aggfunc="sum", fill_value=0)
        .reindex(columns=["loaded", "duplicate", "failed", "skipped"], fill_value=0)
        .join(run.groupby("source")[["rows_read", "rows_valid", "rows_quarantined"]].sum(min_count=1))
        .reset_index()
    )
    every_source = pd.DataFrame({"source": sorted(set(manifest["source"].dropna()))})
    by_source = every_source.merge(by_source, on="source", how="left").merge(last, on="source", how="left")
    status_cols = ["loaded", "duplicate", "failed", "skipped"]
    by_source[status_cols] = by_source[status_cols].fillna(0).astype("int64")
    failed = run.loc[run["status"] == "failed", ["source", "key", "error", "run_date"]].sort_values(
        ["source", "key"]
    )
    section = Section(tables={"by_source": by_source, "failed": failed})
    section.figures = {
        "files_loaded": int((run["status"] == "loaded").sum()),
        "files_failed": int((run["status"] == "failed").sum()),
        "files_duplicate": int((run["status"] == "duplicate").sum()),
        "rows_read": int(run["rows_read"].sum()),
        "rows_valid": int(run["rows_valid"].sum()),
        "rows_quarantined": int(run["rows_quarantined"].sum()),
    }
    return section


def collect_quarantine(layout: DataLayout, run_date: str | None) -> Section:
    """Quarantined rows by source, column and check, with one example reason each."""
    files = zone_relation(
        layout.root / "quarantine" / "source=*" / "run_date=*" / "*.parquet",
        "union_by_name = true, hive_partitioning = false",
    )
    if files is None:
        return _missing("Quarantine")
    try:
        frame = _sql(
            f"""
            select source, "column", "check", count(*) as failures,
                   count(distinct coalesce(file, '') || ':' || coalesce(cast(line as varchar), '')) as rows_,
                   any_value(reason) as example_reason
            from {files}
            where ? is null or cast(run_date as varchar) = ?
            group by all order by failures desc, source
            """,
            [run_date, run_date],
        ).rename(columns={"rows_": "rows"})
    except Exception as exc:
        return _failed("Quarantine", exc)
    by_source = frame.groupby("source")["failures"].sum().sort_values(ascending=False)
    return Section(
        figures={"failures": int(frame["failures"].sum())},
        tables={"by_reason": frame, "by_source": by_source.rename("failures").reset_index()},
    )


# --- linkage ------------------------------------------------------------------------------------


def _persons_names(layout: DataLayout, records: pd.DataFrame) -> pd.DataFrame:
    """(source, source_record_id) → full_name, city from the newest silver/person rows of `records` (the few
    records of the example matches: the report never reads every person's name)."""
    empty = pd.DataFrame(columns=["source", "source_record_id", "full_name", "city"])
    files = zone_relation(
        layout.root / "silver" / "person" / "*" / "*.parquet",
        "union_by_name = true, hive_partitioning = false",
    )
    wanted = records[["source", "source_record_id"]].drop_duplicates()
    if files is None or wanted.empty:
        return empty
    keys = ", ".join(["(?, ?)"] * len(wanted))
    names = _sql(
        f"""
        select p.source, p.source_record_id,
               arg_max(p.full_name, coalesce(cast(p.loaded_at as varchar), '')) as full_name,
               arg_max(p.city, coalesce(cast(p.loaded_at as varchar), '')) as city
        from {files} as p
        semi join (values {keys}) as w(source, source_record_id)
            on w.source = p.source and w.source_record_id = p.source_record_id
        group by all
        """,
        [str(v) for pair in wanted.itertuples(index=False) for v in pair],
    )
    names["full_name"] = names["full_name"].map(  # the report is a file on disk: no clear-text names in it
        lambda v: mask_text(v) if isinstance(v, str) and v.strip() else v
    )
    return names


def example_matches(
    pairs: pd.DataFrame,
    names: pd.DataFrame | Callable[[pd.DataFrame], pd.DataFrame],
    n: int = EXAMPLE_MATCHES,
) -> pd.DataFrame:
    """Matches a reader can trust, with per-comparison evidence columns: of `pairs` (the matches whose two
    records ended in one customer: linkage_figures.agreeing_matches), those of probability ≥ CONFIDENT, the
    strongest of each pair of sources first, so the examples show how different sources were joined
    (borderline pairs are what the review queue is for). `names`: the records' names, or a function giving
    them for the picked records (source, source_record_id)."""
    matches = pairs[(pairs["decision"] == "match") & (pairs["match_probability"] >= CONFIDENT)]
    ranked = matches.sort_values("match_weight", ascending=False, kind="stable")
    if ranked.empty:
        return ranked
    turn = ranked.groupby(["source_l", "source_r"], sort=False).cumcount()
    picks = ranked.assign(_turn=turn.to_numpy()).sort_values(["_turn"], kind="stable").head(n)
    evidence = [c for c in pairs.columns if c.startswith("weight_")]  # match weight per comparison
    out = picks[
        ["source_l", "id_l", "source_r", "id_r", "match_weight", "match_probability", *evidence]
    ].copy()
    if callable(names):
        records = pd.concat(
            [
                out[[f"source_{side}", f"id_{side}"]].set_axis(["source", "source_record_id"], axis=1)
                for side in ("l", "r")
            ]
        )
        names = names(records)
    for side in ("l", "r"):
        renamed = names.rename(
            columns={
                "source": f"source_{side}",
                "source_record_id": f"id_{side}",
                "full_name": f"name_{side}",
                "city": f"city_{side}",
            }
        )
        out = out.merge(renamed, on=[f"source_{side}", f"id_{side}"], how="left")
    people = [f"{c}_{side}" for side in ("l", "r") for c in ("source", "id", "name", "city")]
    return out[[*people, *[c for c in out.columns if c not in people]]]


PAIR_COLUMNS = ["source_l", "id_l", "source_r", "id_r", "match_weight", "match_probability", "decision"]


def collect_linkage(layout: DataLayout) -> Section:
    """The customer file's figures, pairs by decision, the match weights and a few example matches; aggregated
    over Arrow (assets/report/linkage_figures.py), so the cost follows what the report shows."""
    xref_path = layout.linkage_dir / "customer_xref.parquet"
    if not xref_path.exists():
        return _missing("Linkage (linkage/customer_xref)")
    try:
        figures, sizes, xref = xref_figures(xref_path)
        section = Section(figures=figures, tables={"cluster_sizes": sizes})
        pairs_path = layout.linkage_dir / "match_pairs.parquet"
        if pairs_path.exists():
            stored = open_parquet(pairs_path)  # what the report shows: not the levels, rules and notes
            columns = [c for c in stored.schema_arrow.names if c in PAIR_COLUMNS or c.startswith("weight_")]
            pairs = stored.read(columns=columns)
            section.figures.update(pair_counts(pairs))
            section.tables["match_weights"] = match_weights(pairs)
            section.tables["examples"] = example_matches(
                agreeing_matches(pairs, xref, CONFIDENT, EXAMPLE_MATCHES),
                lambda records: _persons_names(layout, records),
            )
        review_path = layout.linkage_dir / "review_queue.parquet"
        if review_path.exists():
            section.figures["review_queue"] = open_parquet(review_path).metadata.num_rows
        history_path = layout.linkage_dir / "id_history.parquet"
        if history_path.exists():
            section.tables["changes"] = _latest_changes(
                read_parquet(history_path, columns=["run_id", "event", "at"])
            )
        runs_path = layout.linkage_dir / "linkage_runs.parquet"
        if runs_path.exists():
            runs = read_parquet(runs_path).tail(5)
            section.tables["runs"] = runs[[c for c in runs.columns if not c.endswith("_json")]]
        return section
    except Exception as exc:
        return _failed("Linkage outputs", exc)


def _latest_changes(history: pd.DataFrame) -> pd.DataFrame:
    """Customers created / merged / split / retired by the newest linkage run."""
    if history.empty:
        return pd.DataFrame(columns=["event", "customers"])
    latest = history[history["run_id"] == history.sort_values("at")["run_id"].iloc[-1]]
    return latest.groupby("event").size().rename("customers").reset_index()


# --- marts --------------------------------------------------------------------------------------

# Newest naming first: dbt's fct_orders converts every line to one reporting currency (amount_reporting).
_REVENUE_COLUMNS = ("amount_reporting", "amount_cny", "amount_base", "revenue_cny", "amount")
_SUBMITTED_COLUMNS = ("submitted_at", "responded_at", "response_date", "submitted_on")


def _find(tables: pd.DataFrame, name: str) -> str | None:
    hit = tables[tables["table_name"] == name].sort_values("table_schema", key=lambda s: s != "marts")
    return None if hit.empty else f'"{hit.iloc[0]["table_schema"]}"."{name}"'


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    return [row[0] for row in con.execute(f"describe {table}").fetchall()]


def _first(candidates: tuple[str, ...], columns: list[str]) -> str | None:
    return next((c for c in candidates if c in columns), None)


def _revenue(con: duckdb.DuckDBPyConnection, orders: str) -> dict[str, object]:
    """Order lines, buying customers and revenue (revenue lines only, in the reporting currency when known).

    A buying customer is a linked customer with a revenue line, as mart_customer_profile counts them."""
    cols = _columns(con, orders)
    amount = _first(_REVENUE_COLUMNS, cols)
    revenue = "is_revenue" if "is_revenue" in cols else "true"
    revenue_filter = f"filter (where {revenue})"
    currency = "any_value(reporting_currency)" if "reporting_currency" in cols else "null"
    buyers = f"count(distinct customer_id) {revenue_filter}" if "customer_id" in cols else "null"
    total = f"sum({amount}) {revenue_filter}" if amount else "null"
    lines, buying, revenue, unit = con.execute(
        f"select count(*), {buyers}, {total}, {currency} from {orders}"
    ).fetchone()
    figures: dict[str, object] = {"order_lines": lines, "buying_customers": buying}
    if amount:
        figures[f"revenue ({unit or amount})"] = round(float(revenue or 0), 2)
    return figures


def collect_marts(layout: DataLayout) -> Section:
    """Headline figures from the warehouse, opened read-only and closed at once (dbt is its only writer)."""
    if not layout.warehouse.exists():
        return _missing("Warehouse marts (dbt)")
    try:
        with connect_warehouse(layout.warehouse, read_only=True) as (con, _):
            return _marts_from(con)
    except Exception as exc:
        return _failed(f"Warehouse {layout.warehouse}", exc)


def _marts_from(con: duckdb.DuckDBPyConnection) -> Section:
    tables = con.execute("select table_schema, table_name from information_schema.tables").df()
    section = Section()
    present = sorted(
        set(tables.loc[tables["table_name"].str.match(r"^(dim|fct|mart|bridge)_"), "table_name"])
    )
    section.note = f"Tables in the warehouse: {', '.join(present) or 'none'}"
    if dim := _find(tables, "dim_customer"):
        section.figures["customers"] = con.execute(f"select count(*) from {dim}").fetchone()[0]
        if "source_record_count" in _columns(con, dim):  # the largest customer the marts publish
            largest = con.execute(f"select max(source_record_count) from {dim}").fetchone()[0]
            section.figures["largest_cluster"] = int(largest or 0)
    if orders := _find(tables, "fct_orders"):
        section.figures.update(_revenue(con, orders))
    if profile := _find(tables, "mart_customer_profile"):  # the profile's own count wins: the marts agree
        section.figures["buying_customers"] = con.execute(
            f"select count(*) from {profile} where order_count > 0"
        ).fetchone()[0]
    if surveys := _find(tables, "fct_survey_responses"):
        cols = _columns(con, surveys)
        when = _first(_SUBMITTED_COLUMNS, cols)
        if when and "nps_score" in cols:
            csat = "100.0 * avg(case when csat_score >= 4 then 1.0 when csat_score is not null then 0.0 end)"
            monthly = con.execute(
                f"""
                select strftime(date_trunc('month', {when}), '%Y-%m') as month, count(*) as responses,
                       round(100.0 * (count(*) filter (where nps_score >= 9) - count(*) filter (where nps_score <= 6))
                             / nullif(count(nps_score), 0), 1) as nps,
                       {f"round({csat}, 1)" if "csat_score" in cols else "null"} as csat_pct
                from {surveys} where {when} is not null group by 1 order by 1
                """
            ).df()
            section.tables["satisfaction_by_month"] = monthly
            overall = con.execute(
                f"""select round(100.0 * (count(*) filter (where nps_score >= 9) - count(*) filter (where nps_score <= 6))
                           / nullif(count(nps_score), 0), 1),
                           {f"round({csat}, 1)" if "csat_score" in cols else "null"} from {surveys}"""
            ).fetchone()
            section.figures.update(nps=overall[0], csat_pct=overall[1])
    if not section.figures and not present:
        return Section(produced=False, note="Warehouse exists but no marts built yet")
    return section


def linkage_marts_mismatch(linkage: Section, marts: Section) -> str:
    """A sentence when the linkage outputs and the marts disagree on the customers (the marts were built from
    another linkage run): the report shows both, and says so, rather than one figure in two versions."""
    differ = [
        f"{key.replace('_', ' ')} {linkage.figures[key]:,} in linkage/customer_xref vs {marts.figures[key]:,} in"
        " dim_customer"
        for key in ("customers", "largest_cluster")
        if key in linkage.figures and key in marts.figures and linkage.figures[key] != marts.figures[key]
    ]
    return f"The marts were built from another linkage run: {'; '.join(differ)}." if differ else ""
