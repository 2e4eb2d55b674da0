"""The decision log as CSV: `customer360 review export|import` (a steward's spreadsheet, another environment)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pandas as pd

from assets.layout import DataLayout
from assets.privacy.masking import neutralise_formulas
from assets.review.decisions import (
    DECISION_COLUMNS,
    ORIGINS,
    append_decisions,
    read_decisions,
    reviewer_name,
)
from linkage.constraints import LABELS, latest_decisions

REQUIRED = ["source_l", "id_l", "source_r", "id_r", "label"]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def export_decisions(layout: DataLayout, out: Path, current_only: bool = False) -> int:
    """Write the log (or the decision in force per pair) to CSV; cells a spreadsheet would run are quoted."""
    frame = read_decisions(layout)
    if current_only:
        frame = latest_decisions(frame)
    frame = frame[DECISION_COLUMNS].copy()
    frame["decided_at"] = frame["decided_at"].map(lambda t: t.isoformat() if pd.notna(t) else "")
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    neutralise_formulas(frame.astype(object).where(frame.notna(), "")).to_csv(
        out, index=False, encoding="utf-8"
    )
    return len(frame)


def _unquote(value: str) -> str:
    """Undo the export's formula quoting: `'=x` → `=x`."""
    return value[1:] if value.startswith("'") and value[1:].startswith(_FORMULA_START) else value


def import_decisions(layout: DataLayout, path: Path) -> tuple[int, int]:
    """Append the CSV's decisions; returns (added, already present). Errors name the row and the column."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {missing}; need {REQUIRED}")
    frame = frame.map(lambda v: _unquote(v.strip()))
    for column in REQUIRED:
        empty = frame.index[frame[column] == ""]
        if len(empty):
            raise ValueError(f"{path}: row {int(empty[0]) + 2}: {column} is empty")
    bad = frame.index[~frame["label"].isin(LABELS)]
    if len(bad):
        raise ValueError(
            f"{path}: row {int(bad[0]) + 2}: label {frame.loc[bad[0], 'label']!r} is not one of {LABELS}"
        )
    for column in DECISION_COLUMNS:
        if column not in frame.columns:
            frame[column] = ""
    frame["decision_id"] = [d or uuid.uuid4().hex for d in frame["decision_id"]]
    frame["reviewer"] = frame["reviewer"].replace("", reviewer_name())
    frame["origin"] = frame["origin"].where(frame["origin"].isin(ORIGINS), "import")
    stamp = pd.to_datetime(frame["decided_at"].replace("", None), utc=True, format="ISO8601")
    frame["decided_at"] = stamp.fillna(pd.Timestamp.now(tz="UTC"))
    known = set(read_decisions(layout)["decision_id"].astype(str))
    new = frame[~frame["decision_id"].isin(known)].drop_duplicates("decision_id")
    if len(new):
        append_decisions(layout, new[DECISION_COLUMNS])
    return len(new), len(frame) - len(new)
