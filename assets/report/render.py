"""Report data → one self-contained HTML page (inline CSS and SVG, no script, everything escaped)."""

from __future__ import annotations

import math
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup

from assets.metadata import bar_chart_svg, distribution_counts, histogram_counts, line_chart_svg
from assets.report.collect import Section

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent),
    autoescape=True,  # customer names, file names and error texts are user data
    undefined=jinja2.ChainableUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def fmt(value: object) -> str:
    """A cell or figure as text: thousands separators, no NaN, lists joined."""
    if isinstance(value, list | tuple | np.ndarray):
        return ", ".join(fmt(v) for v in value)
    if value is None or value is pd.NaT:
        return ""
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return ""
        return f"{int(value):,}" if float(value).is_integer() else f"{value:,.4f}".rstrip("0").rstrip(".")
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return f"{int(value):,}"
    if isinstance(value, pd.Timestamp):
        return value.isoformat(sep=" ", timespec="seconds")
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    text = str(value)
    return text if len(text) <= _MAX_CELL else text[: _MAX_CELL - 1] + "…"


_MAX_CELL = 240  # a cell longer than this is cut: the report stays readable whatever a source sends
_env.filters["fmt"] = fmt


def charts(files: Section, quarantine: Section, linkage: Section, marts: Section) -> list[Markup]:
    """The report's charts as inline SVG (their labels are escaped by the SVG builders)."""
    out: list[str] = []
    if quarantine.produced and not quarantine.tables["by_source"].empty:
        q = quarantine.tables["by_source"]
        out.append(
            bar_chart_svg(q["source"].tolist(), q["failures"].tolist(), "Quarantine failures by source")
        )
    if linkage.produced and "cluster_sizes" in linkage.tables:
        sizes = distribution_counts(linkage.tables["cluster_sizes"]["size"])
        out.append(bar_chart_svg(sizes.index.tolist(), sizes.tolist(), "Customers by cluster size (records)"))
    if linkage.produced and "match_weights" in linkage.tables:
        hist = histogram_counts(linkage.tables["match_weights"]["match_weight"], bins=12)
        if not hist.empty:
            out.append(
                bar_chart_svg(
                    hist.index.tolist(), hist.tolist(), "Match weight of candidate pairs", color="#2a9d8f"
                )
            )
    monthly = marts.tables.get("satisfaction_by_month") if marts.produced else None
    if monthly is not None and len(monthly) > 0:
        out.append(line_chart_svg(monthly["month"].tolist(), monthly["nps"].tolist(), "NPS by month"))
    return [Markup(svg) for svg in out]


def render_report(
    *,
    run_date: str,
    run_id: str | None,
    generated_at: str,
    data_dir: str,
    files: Section,
    quarantine: Section,
    linkage: Section,
    marts: Section,
) -> str:
    return _env.get_template("run_report.html.j2").render(
        run_date=run_date,
        run_id=run_id,
        generated_at=generated_at,
        data_dir=data_dir,
        files=files,
        quarantine=quarantine,
        linkage=linkage,
        marts=marts,
        charts=charts(files, quarantine, linkage, marts),
    )
