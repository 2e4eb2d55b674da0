"""Frames → Dagster metadata that renders in the UI: preview tables, bar charts, histograms.

Charts are hand-rolled SVG (no plotting dependency), embedded in markdown as a base64 data URI so the
asset page shows them; every chart also carries its figures as a markdown table (searchable, accessible).
Every cell is escaped: customer names may contain `|`, newlines or `<script>`.
"""

from __future__ import annotations

import base64
import html
import itertools
import math
from collections.abc import Mapping, Sequence

import dagster as dg
import numpy as np
import pandas as pd

_MAX_CELL = 80


def md_cell(value: object, max_chars: int = _MAX_CELL) -> str:
    """One markdown table cell: HTML-escaped, pipes escaped, newlines flattened, long values cut."""
    if value is None or (not isinstance(value, list | tuple | np.ndarray) and pd.isna(value)):
        return ""
    if isinstance(value, list | tuple | np.ndarray):
        text = ", ".join(str(v) for v in value)
    elif isinstance(value, float):
        text = f"{value:.4g}"
    else:
        text = str(value)
    text = " ".join(text.split())
    if len(text) > max_chars:
        text = text[: max_chars - 1] + "…"
    return html.escape(text, quote=False).replace("|", "\\|")


def markdown_table(frame: pd.DataFrame, max_chars: int = _MAX_CELL) -> str:
    """The whole frame as a GitHub-flavoured markdown table (callers cut rows first)."""
    if frame.columns.empty:
        return "_(no columns)_"
    header = "| " + " | ".join(md_cell(c, max_chars) for c in frame.columns) + " |"
    rule = "| " + " | ".join("---" for _ in frame.columns) + " |"
    body = [
        "| " + " | ".join(md_cell(v, max_chars) for v in row) + " |"
        for row in frame.itertuples(index=False, name=None)
    ]
    return "\n".join([header, rule, *body])


def preview_table(frame: pd.DataFrame, n: int = 10, max_chars: int = _MAX_CELL) -> dg.MetadataValue:
    """First `n` rows as a markdown table, with a note of how many rows were left out."""
    if frame.empty:
        return dg.MetadataValue.md("_(no rows)_")
    text = markdown_table(frame.head(n), max_chars)
    if len(frame) > n:
        text += f"\n\n_{n} of {len(frame):,} rows shown._"
    return dg.MetadataValue.md(text)


def counts_table(
    counts: Mapping[str, int | float], key: str = "value", value: str = "count"
) -> dg.MetadataValue:
    """A small two-column markdown table from a mapping (e.g. quarantined rows by reason)."""
    frame = pd.DataFrame({key: list(counts.keys()), value: list(counts.values())})
    return dg.MetadataValue.md(markdown_table(frame) if len(frame) else "_(none)_")


# --- charts -------------------------------------------------------------------------------------


def bar_chart_svg(
    labels: Sequence[object],
    values: Sequence[float],
    title: str = "",
    width: int = 560,
    bar_height: int = 18,
    color: str = "#4f6bed",
) -> str:
    """Horizontal bar chart as a standalone SVG string (labels escaped)."""
    label_w, value_w, top = 150, 70, 28 if title else 6
    plot_w = max(width - label_w - value_w, 40)
    peak = max((float(v) for v in values if not _bad(v)), default=0.0)
    height = top + len(labels) * (bar_height + 4) + 6
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12" role="img">'
    ]
    if title:
        parts.append(f'<text x="4" y="18" font-size="14" font-weight="bold">{_x(title)}</text>')
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + i * (bar_height + 4)
        v = 0.0 if _bad(value) else float(value)
        w = 0 if peak <= 0 else max(plot_w * max(v, 0.0) / peak, 1 if v > 0 else 0)
        parts.append(
            f'<text x="{label_w - 6}" y="{y + bar_height - 5}" text-anchor="end">{_x(_short(label, 22))}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_height}" fill="{color}"/>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + bar_height - 5}">{_x(_fmt(value))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def line_chart_svg(
    labels: Sequence[object],
    values: Sequence[float | None],
    title: str = "",
    width: int = 560,
    height: int = 220,
    color: str = "#e4572e",
) -> str:
    """Line chart (e.g. NPS by month) as a standalone SVG string; gaps where a value is missing."""
    left, right, top, bottom = 48, 40, 28 if title else 10, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    finite = [float(v) for v in values if not _bad(v)]
    lo, hi = (min(finite), max(finite)) if finite else (0.0, 1.0)
    lo, hi = (lo - 1, hi + 1) if lo == hi else (lo, hi)
    step = plot_w / max(len(labels) - 1, 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return left + i * step, top + plot_h * (1 - (v - lo) / (hi - lo))

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11" role="img">'
    ]
    if title:
        parts.append(f'<text x="4" y="18" font-size="14" font-weight="bold">{_x(title)}</text>')
    parts.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#999"/>'
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end">{_x(_fmt(hi))}</text>'
        f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end">{_x(_fmt(lo))}</text>'
    )
    segment: list[str] = []
    for i, v in enumerate(values):
        if _bad(v):
            if len(segment) > 1:
                parts.append(_polyline(segment, color))
            segment = []
            continue
        x, y = xy(i, float(v))
        segment.append(f"{x:.1f},{y:.1f}")
        parts.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{color}"><title>{_x(_fmt(v))}</title></circle>'
        )
    if len(segment) > 1:
        parts.append(_polyline(segment, color))
    every = max(1, math.ceil(len(labels) / 12))
    for i, label in enumerate(labels):
        if i % every == 0:
            x = left + i * step
            parts.append(
                f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle">{_x(_short(label, 10))}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)


def svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def bar_chart(
    counts: Mapping[object, float] | pd.Series, title: str = "", key: str = "value", value: str = "count"
) -> dg.MetadataValue:
    """Markdown metadata: an SVG bar chart image plus the same figures as a table."""
    series = pd.Series(counts) if not isinstance(counts, pd.Series) else counts
    if series.empty:
        return dg.MetadataValue.md(f"**{md_cell(title)}**\n\n_(no data)_" if title else "_(no data)_")
    svg = bar_chart_svg(list(series.index), list(series.values), title)
    table = markdown_table(pd.DataFrame({key: series.index, value: series.values}))
    return dg.MetadataValue.md(f"![{md_cell(title) or 'chart'}]({svg_data_uri(svg)})\n\n{table}")


def histogram_counts(values: Sequence[float] | pd.Series, bins: int = 10) -> pd.Series:
    """Counts per equal-width bin, indexed by a readable range label ("[-2, 0)"); NaN/inf ignored."""
    arr = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
    arr = arr[np.isfinite(arr)]
    if arr.size == 0:
        return pd.Series(dtype="int64")
    counts, edges = np.histogram(arr, bins=bins)
    labels = [
        f"[{_fmt(lo)}, {_fmt(hi)}{']' if i == len(counts) - 1 else ')'}"
        for i, (lo, hi) in enumerate(itertools.pairwise(edges))
    ]
    return pd.Series(counts, index=labels, dtype="int64")


def histogram_md(values: Sequence[float] | pd.Series, bins: int = 10, title: str = "") -> dg.MetadataValue:
    """A histogram (e.g. match weights) as markdown metadata with an SVG image and a table."""
    return bar_chart(histogram_counts(values, bins), title=title, key="bin", value="count")


def distribution_counts(values: Sequence[int] | pd.Series, cap: int = 10) -> pd.Series:
    """Counts of small integers (e.g. cluster sizes) with everything ≥ cap folded into "cap+"."""
    ints = pd.to_numeric(pd.Series(values), errors="coerce").dropna().astype("int64")
    return folded_counts(ints.value_counts(), cap)


def folded_counts(counts: Mapping[int, int] | pd.Series, cap: int = 10) -> pd.Series:
    """distribution_counts of integers given as how many times each occurs ({value: times}, e.g. a linkage
    summary's cluster-size distribution), without the values themselves."""
    table = pd.Series(counts, dtype="int64")
    if table.empty:
        return pd.Series(dtype="int64")
    table.index = np.minimum(table.index.to_numpy(dtype=np.int64), cap)
    folded = table.groupby(level=0).sum().sort_index()
    return folded.rename(index=lambda k: f"{k}+" if k >= cap else str(k))


# --- helpers ------------------------------------------------------------------------------------


def _bad(value: object) -> bool:
    try:
        return value is None or not math.isfinite(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True


def _fmt(value: object) -> str:
    if _bad(value):
        return "–"
    v = float(value)  # type: ignore[arg-type]
    if v.is_integer() and abs(v) < 1e15:
        return f"{int(v):,}"
    return f"{v:,.2f}" if abs(v) >= 1 else f"{v:.3g}"


def _short(value: object, n: int) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _x(text: str) -> str:
    return html.escape(text, quote=True)


def _polyline(points: list[str], color: str) -> str:
    return f'<polyline fill="none" stroke="{color}" stroke-width="2" points="{" ".join(points)}"/>'
