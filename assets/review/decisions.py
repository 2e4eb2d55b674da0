"""Steward decisions as data: an append-only Parquet log in the linkage zone (linkage/review/decisions.parquet).

One row per decision: which two records, what the steward said (match | non_match | unsure), who, when, where
it came from (page, import, merge, unmerge) and each record's fingerprint at the time. The latest decision
about a pair is the one that counts (linkage/constraints.py), so any decision is undone by another one. The file
goes through assets/parquet_files.py (encrypted at rest when C360_ENCRYPTION_KEY is set), and lives under the
linkage zone with `source_l, id_l, source_r, id_r` columns, so erasing a person removes the decisions about
their records like their match_pairs rows (assets/privacy/erasure.py).
"""

from __future__ import annotations

import getpass
import hashlib
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from assets.folder_lock import folder_lock
from assets.layout import DataLayout
from assets.parquet_files import read_parquet, write_parquet_atomic
from linkage.constraints import LABELS, latest_decisions, record_key

DECISION_COLUMNS = [
    "decision_id", "source_l", "id_l", "source_r", "id_r", "label", "reviewer", "decided_at", "origin",
    "fingerprint_l", "fingerprint_r", "note",
]  # fmt: skip
# The fields a steward compares: a decision about records whose fields have changed since is stale.
FINGERPRINT_COLUMNS = [
    "full_name", "given_name", "family_name", "emails", "phones", "birth_date", "gender", "country", "province",
    "city", "address_norm", "postcode", "company", "title", "wechat_id",
]  # fmt: skip
ORIGINS = ("page", "import", "merge", "unmerge")


def decisions_path(layout: DataLayout) -> Path:
    return layout.linkage_dir / "review" / "decisions.parquet"


def reviewer_name() -> str:
    """Who decides: $C360_REVIEWER, else the operating-system user."""
    name = os.environ.get("C360_REVIEWER", "").strip()
    if name:
        return name
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@contextmanager
def _locked(layout: DataLayout) -> Iterator[None]:
    """One writer of the decision log at a time on this machine (the page, an import, a merge)."""
    with folder_lock(decisions_path(layout).parent):
        yield


def empty_decisions() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="string") for c in DECISION_COLUMNS})
    frame["decided_at"] = pd.Series(dtype="datetime64[us, UTC]")
    return frame


def read_decisions(layout: DataLayout) -> pd.DataFrame:
    """Every decision ever recorded (oldest first); an empty table when there is none."""
    return read_decisions_file(decisions_path(layout))


def read_decisions_file(path: Path) -> pd.DataFrame:
    """read_decisions of the decision log at `path` (a linkage folder's review/decisions.parquet)."""
    if not path.exists():
        return empty_decisions()
    frame = read_parquet(path)
    frame["decided_at"] = pd.to_datetime(frame["decided_at"], utc=True)
    return frame


def fingerprints(persons: pd.DataFrame) -> pd.Series:
    """A short hash of each record's compared fields, indexed by record key (source, source_record_id)."""
    if persons is None or persons.empty:
        return pd.Series(dtype=str)
    columns = [c for c in FINGERPRINT_COLUMNS if c in persons.columns]

    def text(value: object) -> str:
        if isinstance(value, list | tuple) or (hasattr(value, "tolist") and not isinstance(value, str)):
            return "|".join(sorted(str(v) for v in list(value)))
        return (
            ""
            if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA
            else str(value)
        )

    joined = [
        "\x1e".join(text(v) for v in row) for row in persons[columns].itertuples(index=False, name=None)
    ]
    digests = [hashlib.sha256(j.encode()).hexdigest()[:16] for j in joined]
    return pd.Series(digests, index=record_key(persons["source"], persons["source_record_id"]).to_numpy())


def record_decisions(
    layout: DataLayout,
    pairs: pd.DataFrame,
    label: str | pd.Series,
    origin: str,
    persons: pd.DataFrame | None = None,
    reviewer: str | None = None,
    note: str = "",
) -> pd.DataFrame:
    """Append decisions about `pairs` (source_l, id_l, source_r, id_r); returns the rows written."""
    if origin not in ORIGINS:
        raise ValueError(f"origin must be one of {ORIGINS}")
    rows = pairs[["source_l", "id_l", "source_r", "id_r"]].astype(str).reset_index(drop=True)
    rows["label"] = label if isinstance(label, str) else label.astype(str).to_numpy()
    bad = sorted(set(rows["label"]) - set(LABELS))
    if bad:
        raise ValueError(f"label must be one of {LABELS}, got {bad}")
    rows["decision_id"] = [uuid.uuid4().hex for _ in range(len(rows))]
    rows["reviewer"] = reviewer or reviewer_name()
    rows["decided_at"] = pd.Timestamp.now(tz="UTC")
    rows["origin"] = origin
    prints = fingerprints(persons) if persons is not None else pd.Series(dtype=str)
    rows["fingerprint_l"] = record_key(rows["source_l"], rows["id_l"]).map(prints).fillna("").to_numpy()
    rows["fingerprint_r"] = record_key(rows["source_r"], rows["id_r"]).map(prints).fillna("").to_numpy()
    rows["note"] = note
    append_decisions(layout, rows)
    return rows[DECISION_COLUMNS]


def append_decisions(layout: DataLayout, rows: pd.DataFrame) -> None:
    with _locked(layout):
        old = read_decisions(layout)
        new = rows[DECISION_COLUMNS]
        combined = new if old.empty else pd.concat([old[DECISION_COLUMNS], new], ignore_index=True)
        write_parquet_atomic(combined.astype({"decided_at": "datetime64[us, UTC]"}), decisions_path(layout))


def current_decisions(layout: DataLayout, persons: pd.DataFrame | None = None) -> pd.DataFrame:
    """The decision in force per pair, with `stale` True where a record's fields changed since the decision."""
    return decisions_in_force(decisions_path(layout), persons)


def decisions_in_force(path: Path, persons: pd.DataFrame | None = None) -> pd.DataFrame:
    """current_decisions of the decision log at `path`."""
    return in_force(read_decisions_file(path), persons)


def in_force(log: pd.DataFrame, persons: pd.DataFrame | None = None) -> pd.DataFrame:
    """The decision in force per pair of an already read decision log, with `stale` as in current_decisions."""
    latest = latest_decisions(log)
    if latest.empty:
        return latest.assign(stale=pd.Series(dtype=bool))
    prints = fingerprints(persons) if persons is not None else pd.Series(dtype=str)
    stale = pd.Series(False, index=latest.index)
    for side in ("l", "r"):
        now = record_key(latest[f"source_{side}"], latest[f"id_{side}"]).map(prints)
        then = latest[f"fingerprint_{side}"].fillna("")
        stale |= (now.notna() & (then != "") & (now != then)).to_numpy()
    return latest.assign(stale=stale.to_numpy())
