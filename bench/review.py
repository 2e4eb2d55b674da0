# ruff: noqa: E402
"""Clerical review benchmark: what a steward's labels are worth, night after night.

A simulated steward answers from the sample generator's ground truth. Night 0 links with no labels; each later
night the steward works the review queue from the top (the page's order) until the label budget is reached,
then the next night links with every decision so far: as constraints (must-/cannot-link) and, from 50 labels,
as training data for the weights (linkage/learn.py). Printed per budget 0, 50, 100, 200, 500 labels: pairwise
cluster F1 with decisions as constraints only, with constraints + learning, and the review pairs the night
leaves. On the sample (every source) and on a harder subset: the CRM-less sources only (orders, interactions,
surveys, campaigns, enrichment: fewer identifiers, more Latin/Hanzi name variants).

    uv run python bench/review.py                    # 2,000 customers, as `make demo`
    uv run python bench/review.py --customers 500
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import argparse
import json
import os
import tempfile
import time

import numpy as np
import pandas as pd

import linkage.learn
from assets.review.queue import build_queue
from assets.sample.person_records import sample_person_records
from linkage.config import load_linkage_config
from linkage.constraints import record_key
from linkage.datasets import record_keys
from linkage.engine import link
from linkage.evaluate import evaluate_clusters

os.environ.setdefault("DO_NOT_TRACK", "1")
BUDGETS = (0, 50, 100, 200, 500)
CRMS = ("salesforce", "zoho", "fxiaoke", "crm")


def steward_labels(review: pd.DataFrame, truth: pd.Series, n: int, config) -> pd.DataFrame:
    """The top `n` pairs of the night's queue (the page's order) answered from the ground truth."""
    queue = build_queue(review, pd.DataFrame(columns=["source_l", "id_l", "source_r", "id_r", "label"]),
                        pd.Series(dtype=float), config).head(n)  # fmt: skip
    left = record_key(queue["source_l"], queue["id_l"]).map(truth)
    right = record_key(queue["source_r"], queue["id_r"]).map(truth)
    same = left.notna() & (left == right)
    out = queue[["source_l", "id_l", "source_r", "id_r"]].copy()
    out["label"] = np.where(same, "match", "non_match")
    return out


def simulate(name: str, persons: pd.DataFrame, truth: pd.Series, learn: bool) -> list[dict]:
    config = load_linkage_config()
    linkage.learn.MIN_LABELS = 50 if learn else 10**9
    decisions = pd.DataFrame(columns=["source_l", "id_l", "source_r", "id_r", "label", "decided_at"])
    rows = []
    review = None
    for night, budget in enumerate(BUDGETS):
        if review is not None:
            new = steward_labels(review, truth, budget - len(decisions), config)
            new["decided_at"] = pd.Timestamp(2026, 1, 1) + pd.Timedelta(days=night)
            decisions = new if decisions.empty else pd.concat([decisions, new], ignore_index=True)
        start = time.perf_counter()
        result = link(persons, config, decisions=decisions if len(decisions) else None)
        xref, review = result.xref, result.review
        f1 = evaluate_clusters(
            pd.Series(xref["customer_id"].to_numpy(), index=record_keys(xref).to_numpy()), truth
        )
        rows.append({"dataset": name, "learning": learn, "budget": budget, "labels": len(decisions),
                     "same": int((decisions["label"] == "match").sum()), "f1": round(f1["f1"], 4),
                     "precision": round(f1["precision"], 4), "recall": round(f1["recall"], 4),
                     "review_left": len(review), "corrected": result.summary["steward"]["corrected"],
                     "seconds": round(time.perf_counter() - start, 1)})  # fmt: skip
        print(json.dumps(rows[-1]), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        persons, truth_frame = sample_person_records(Path(tmp), customers=args.customers)
    truth = pd.Series(truth_frame["true_customer_id"].to_numpy(), index=record_keys(truth_frame).to_numpy())
    truth = truth[truth.index.isin(set(record_keys(persons)))]
    crm_less = persons[~persons["source"].isin(CRMS)].reset_index(drop=True)
    print(f"{len(persons)} person records, {len(crm_less)} of them CRM-less", flush=True)
    rows = []
    for name, frame in (("sample", persons), ("crm-less", crm_less)):
        subset = truth[truth.index.isin(set(record_keys(frame)))]
        for learn in (False, True):
            rows += simulate(name, frame, subset, learn)
    table = pd.DataFrame(rows)
    wide = table.pivot_table(
        index=["dataset", "budget"], columns="learning", values=["labels", "f1", "review_left"]
    )
    wide.columns = [f"{v} ({'+learning' if k else 'constraints'})" for v, k in wide.columns]
    print(f"\n{args.customers} customers; steward answers from the ground truth, top of the queue first\n")
    print(wide.reset_index().to_string(index=False))


if __name__ == "__main__":
    main()
