"""Merging and unmerging customers by hand, as steward decisions every later run keeps.

`merge A B`: a must-link between one record of A and one of B, after neutralising (`unsure`) any cannot-link
between their records (an earlier unmerge), so a merge undoes an unmerge and the reverse. `unmerge C --records R`:
cannot-links between each record of R and every other record of C, must-links within R (they leave together),
after neutralising the must-links between R and the rest of C. Both append an event to linkage/id_history;
the next run applies them (customer_xref, id_history's merged/split, and dim_customer_snapshot after dbt).
"""

from __future__ import annotations

import itertools

import pandas as pd

from assets.layout import DataLayout
from assets.link.io import read_previous
from assets.parquet_files import write_parquet_atomic
from assets.review.decisions import current_decisions, record_decisions
from linkage.constraints import record_key
from linkage.identity import HISTORY_COLUMNS

PAIR = ["source_l", "id_l", "source_r", "id_r"]


def _members(xref: pd.DataFrame, customer_id: str) -> pd.DataFrame:
    rows = xref[xref["customer_id"].astype(str) == customer_id]
    if rows.empty:
        raise ValueError(f"customer {customer_id!r} is not in linkage/customer_xref (run the linkage first)")
    return rows.sort_values(["source", "source_record_id"])[["source", "source_record_id"]].astype(str)


def _pairs(left: pd.DataFrame, right: pd.DataFrame) -> pd.DataFrame:
    rows = [(a.source, a.source_record_id, b.source, b.source_record_id)
            for a, b in itertools.product(left.itertuples(), right.itertuples())]  # fmt: skip
    return pd.DataFrame(rows, columns=PAIR)


def _neutralise(layout: DataLayout, pairs: pd.DataFrame, label: str, origin: str) -> int:
    """Write `unsure` over the decisions in force with `label` among `pairs`; returns how many."""
    current = current_decisions(layout)
    if current.empty or pairs.empty:
        return 0
    key = lambda f: record_key(f["source_l"], f["id_l"]) + "\x1f" + record_key(f["source_r"], f["id_r"])  # noqa: E731
    swapped = pairs.rename(
        columns={"source_l": "source_r", "id_l": "id_r", "source_r": "source_l", "id_r": "id_l"}
    )
    wanted = set(key(pairs)) | set(key(swapped))
    hit = current[(current["label"] == label) & key(current).isin(wanted).to_numpy()]
    if len(hit):
        record_decisions(layout, hit[PAIR], "unsure", origin, note=f"undoes an earlier {label}")
    return len(hit)


def _history(layout: DataLayout, customer_id: str, event: str, related: list[str]) -> None:
    at = pd.Timestamp.now(tz="UTC").tz_localize(None).floor("s")
    row = pd.DataFrame(
        [(f"manual-{at:%Y%m%dT%H%M%S}", customer_id, event, related, at)], columns=HISTORY_COLUMNS
    )
    history = read_previous(layout.linkage_dir, "id_history")
    if history is not None:  # an encrypted file of only empty lists reads back as lists of numbers
        history["related_ids"] = [
            [str(x) for x in v] if v is not None else [] for v in history["related_ids"]
        ]
    write_parquet_atomic(row if history is None or history.empty else pd.concat([history, row], ignore_index=True),
                         layout.linkage_dir / "id_history.parquet")  # fmt: skip


def merge_customers(layout: DataLayout, customer_a: str, customer_b: str) -> str:
    if customer_a == customer_b:
        raise ValueError("merge needs two different customers")
    xref = read_previous(layout.linkage_dir, "customer_xref")
    if xref is None:
        raise ValueError("no linkage/customer_xref yet: run the linkage first")
    a, b = _members(xref, customer_a), _members(xref, customer_b)
    undone = _neutralise(layout, _pairs(a, b), "non_match", "merge")
    record_decisions(
        layout, _pairs(a.head(1), b.head(1)), "match", "merge", note=f"merge {customer_a} {customer_b}"
    )
    _history(layout, customer_a, "manual_merge", [customer_b])
    return (f"{customer_a} + {customer_b}: must-link recorded ({undone} earlier cannot-links undone); "
            "the next run makes them one customer")  # fmt: skip


def unmerge_customer(layout: DataLayout, customer_id: str, records: list[str]) -> str:
    xref = read_previous(layout.linkage_dir, "customer_xref")
    if xref is None:
        raise ValueError("no linkage/customer_xref yet: run the linkage first")
    members = _members(xref, customer_id)
    keys = members["source"] + ":" + members["source_record_id"]
    unknown = sorted(set(records) - set(keys))
    if unknown:
        raise ValueError(f"not records of {customer_id}: {unknown} (give source:source_record_id)")
    out, rest = members[keys.isin(records).to_numpy()], members[~keys.isin(records).to_numpy()]
    if out.empty or rest.empty:
        raise ValueError("unmerge takes out some of the customer's records, not none or all")
    undone = _neutralise(layout, _pairs(out, rest), "match", "unmerge")
    record_decisions(layout, _pairs(out, rest), "non_match", "unmerge", note=f"unmerge {customer_id}")
    together = _pairs(out.head(1), out.iloc[1:])
    if len(together):
        record_decisions(layout, together, "match", "unmerge", note=f"unmerge {customer_id}: kept together")
    _history(layout, customer_id, "manual_unmerge", sorted(records))
    return (f"{customer_id}: {len(out)} record(s) taken out ({undone} earlier must-links undone); "
            "the next run gives them a customer of their own")  # fmt: skip
