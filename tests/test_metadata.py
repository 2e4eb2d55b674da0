"""assets/metadata.py: markdown previews and SVG charts that render in the Dagster UI."""

from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET

import dagster as dg
import numpy as np
import pandas as pd

from assets.metadata import (
    bar_chart,
    bar_chart_svg,
    counts_table,
    distribution_counts,
    folded_counts,
    histogram_counts,
    histogram_md,
    line_chart_svg,
    markdown_table,
    preview_table,
)


def _people() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["C000001", "C000002", "C000003"],
            "full_name": ["张伟", "Kevin | Zhang", "<script>alert(1)</script>"],
            "emails": [["kevin@example.com", "kz@corp.cn"], [], None],
            "amount": [12.5, np.nan, 3.0],
        }
    )


def test_preview_table_escapes_and_counts_rows() -> None:
    value = preview_table(_people(), n=2)
    assert isinstance(value, dg.MarkdownMetadataValue)
    lines = value.md_str.splitlines()
    assert lines[0] == "| customer_id | full_name | emails | amount |"
    assert lines[2] == "| C000001 | 张伟 | kevin@example.com, kz@corp.cn | 12.5 |"
    assert lines[3] == "| C000002 | Kevin \\| Zhang |  |  |"  # pipe escaped, NaN → empty
    assert "_2 of 3 rows shown._" in value.md_str


def test_markdown_table_never_emits_raw_html_or_newlines() -> None:
    frame = pd.DataFrame({"name": ["<script>alert(1)</script>", "line1\nline2"]})
    text = markdown_table(frame)
    assert "<script>" not in text
    assert "&lt;script&gt;" in text
    assert "line1 line2" in text
    assert len(text.splitlines()) == 4


def test_preview_of_empty_frame() -> None:
    assert preview_table(pd.DataFrame()).md_str == "_(no rows)_"


def test_counts_table() -> None:
    value = counts_table({"date unparseable": 3, "nps out of range": 1}, key="reason", value="rows")
    assert value.md_str.splitlines()[2] == "| date unparseable | 3 |"


def _svg_from_md(md: str) -> ET.Element:
    match = re.search(r"\(data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)\)", md)
    assert match, md
    return ET.fromstring(base64.b64decode(match.group(1)))


def test_bar_chart_is_valid_svg_with_proportional_bars() -> None:
    value = bar_chart({"salesforce": 10, "fxiaoke <GBK>": 5, "zoho": 0}, title="Rows by source")
    svg = _svg_from_md(value.md_str)
    widths = [float(r.get("width")) for r in svg.iter("{http://www.w3.org/2000/svg}rect")]
    assert widths[0] == 2 * widths[1] and widths[2] == 0
    texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert "fxiaoke <GBK>" in texts  # parsed back from escaped XML
    assert "| fxiaoke &lt;GBK&gt; | 5 |" in value.md_str


def test_bar_chart_of_nothing() -> None:
    assert "no data" in bar_chart({}, title="x").md_str


def test_histogram_counts_bins_and_ignores_non_finite() -> None:
    counts = histogram_counts([-4, -1, 0, 0.5, 3.9, 4, np.nan, np.inf], bins=2)
    assert counts.tolist() == [2, 4]
    assert counts.index.tolist() == ["[-4, 0)", "[0, 4]"]
    assert histogram_counts([]).empty
    assert histogram_md([1.0, 2.0, 2.5], bins=3, title="Match weight").md_str.startswith("![Match weight]")


def test_distribution_counts_folds_the_tail() -> None:
    counts = distribution_counts([1, 1, 1, 2, 3, 12, 40], cap=3)
    assert counts.to_dict() == {"1": 3, "2": 1, "3+": 3}


def test_folded_counts_of_a_histogram_are_those_of_its_values() -> None:
    """The link asset's cluster sizes from the summary's {size: customers}: what the sizes themselves give."""
    sizes = np.random.default_rng(5).integers(1, 16, 500)
    histogram = {int(k): int(v) for k, v in pd.Series(sizes).value_counts().items()}
    for cap in (3, 10, 20):
        assert folded_counts(histogram, cap).to_dict() == distribution_counts(sizes, cap).to_dict()
        assert list(folded_counts(histogram, cap).index) == list(distribution_counts(sizes, cap).index)
    assert folded_counts({}).empty and distribution_counts([]).empty


def test_line_chart_skips_missing_points() -> None:
    svg = ET.fromstring(
        line_chart_svg(["2026-01", "2026-02", "2026-03", "2026-04"], [10.0, None, 30.0, 35.5])
    )
    ns = "{http://www.w3.org/2000/svg}"
    assert len(list(svg.iter(f"{ns}circle"))) == 3
    [line] = svg.iter(f"{ns}polyline")  # the lone first point is not joined across the gap
    points = [tuple(map(float, p.split(","))) for p in line.get("points").split()]
    circles = [(float(c.get("cx")), float(c.get("cy"))) for c in svg.iter(f"{ns}circle")]
    assert points == circles[1:]  # joins 2026-03 and 2026-04 only
    # x follows the months (2026-02 keeps its slot), y grows upwards with the value
    assert [x for x, _ in circles] == sorted(x for x, _ in circles) and circles[1][0] > 2 * circles[0][0]
    assert circles[0][1] > circles[1][1] > circles[2][1]
    assert [t.text for t in svg.iter(f"{ns}title")] == ["10", "30", "35.50"]


def test_bar_chart_draws_missing_values_as_empty_bars() -> None:
    svg = ET.fromstring(bar_chart_svg(["a", "b", "c"], [float("nan"), 2.0, 1.0]))
    ns = "{http://www.w3.org/2000/svg}"
    widths = [float(r.get("width")) for r in svg.iter(f"{ns}rect")]
    assert widths[0] == 0 and widths[1] == 2 * widths[2] > 0  # bars proportional, NaN drawn empty
    assert [t.text for t in svg.iter(f"{ns}text")] == ["a", "–", "b", "2", "c", "1"]
