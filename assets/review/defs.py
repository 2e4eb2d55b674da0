"""review/queue: the clerical review queue's state after each linkage run (size, age, decisions per day), and a
check that warns when the stewards fall behind."""

from __future__ import annotations

import itertools

import dagster as dg
import pandas as pd

from assets.layout import DataLayout
from assets.metadata import bar_chart
from assets.parquet_files import read_parquet, write_parquet_atomic
from assets.review.decisions import read_decisions
from assets.review.queue import build_queue
from assets.settings import Settings
from linkage.config import load_linkage_config
from linkage.constraints import latest_decisions

QUEUE_KEY = dg.AssetKey(["review", "queue"])
REVIEW_QUEUE_KEY = dg.AssetKey(["linkage", "review_queue"])
GROWING_RUNS = 3  # the check warns when the open queue grew in each of the last this many runs…
MAX_AGE_DAYS = 14  # …or when a pair has waited longer than this


def _seen_path(layout: DataLayout):
    return layout.linkage_dir / "review" / "queue_seen.parquet"


def _status_path(layout: DataLayout):
    return layout.linkage_dir / "review" / "queue_status.parquet"


# what the queue's order and status need of linkage/review_queue (150k customers: 155k pairs of 33 columns)
_QUEUE_COLUMNS = ["source_l", "id_l", "source_r", "id_r", "match_probability"]


def _queued_pairs(layout: DataLayout) -> pd.DataFrame | None:
    path = layout.linkage_dir / "review_queue.parquet"
    return read_parquet(path, columns=_QUEUE_COLUMNS) if path.exists() else None


def queue_status(layout: DataLayout, now: pd.Timestamp | None = None) -> dict:
    """Open pairs, the age of the oldest, decisions per day; remembers when each pair entered the queue and
    appends this run's figures to linkage/review/queue_status.parquet."""
    now = now or pd.Timestamp.now(tz="UTC")
    config = load_linkage_config(
        layout.config_dir / "linkage.yaml" if (layout.config_dir / "linkage.yaml").exists() else None
    )
    decisions = read_decisions(layout)
    queue = build_queue(_queued_pairs(layout), latest_decisions(decisions), pd.Series(dtype=float), config)
    seen_path = _seen_path(layout)
    seen = read_parquet(seen_path) if seen_path.exists() else pd.DataFrame({"pair": [], "first_seen": []})
    # the times as a datetime array (`.array`): `.to_numpy()` made one Timestamp object per pair (~1 s at 150k)
    first = pd.Series(pd.to_datetime(seen["first_seen"], utc=True).array, index=seen["pair"].astype(str))
    open_pairs = queue[["source_l", "id_l", "source_r", "id_r", "pair"]].copy() if len(queue) else None
    if open_pairs is not None:
        since = pd.to_datetime(open_pairs["pair"].map(first), utc=True)
        open_pairs["first_seen"] = since.where(since.notna(), now)
        write_parquet_atomic(open_pairs, seen_path)  # pairs no longer open are forgotten
    ages = (
        (now - pd.to_datetime(open_pairs["first_seen"], utc=True)).dt.days
        if open_pairs is not None
        else pd.Series([])
    )
    per_day = (
        decisions.groupby(decisions["decided_at"].dt.strftime("%Y-%m-%d")).size().tail(14)
        if len(decisions)
        else pd.Series(dtype=int)
    )
    status = {"at": now, "open": len(queue), "oldest_days": int(ages.max()) if len(ages) else 0,
              "decisions": len(decisions), "decided_today": int(per_day.get(now.strftime("%Y-%m-%d"), 0))}  # fmt: skip
    history_path = _status_path(layout)
    history = read_parquet(history_path) if history_path.exists() else None
    row = pd.DataFrame([status])
    write_parquet_atomic(
        row if history is None else pd.concat([history, row], ignore_index=True), history_path
    )
    status["per_day"] = {str(k): int(v) for k, v in per_day.items()}
    return status


def queue_problems(history: pd.DataFrame) -> list[str]:
    """Why the queue needs attention (empty when it does not): growing run after run, or pairs waiting too long."""
    problems = []
    opened = history["open"].tail(GROWING_RUNS + 1).tolist()
    if len(opened) == GROWING_RUNS + 1 and all(b > a for a, b in itertools.pairwise(opened)):
        problems.append(
            f"the review queue grew in each of the last {GROWING_RUNS} runs ({' → '.join(map(str, opened))})"
        )
    if len(history) and int(history["oldest_days"].iloc[-1]) > MAX_AGE_DAYS:
        problems.append(
            f"a pair has waited {int(history['oldest_days'].iloc[-1])} days (more than {MAX_AGE_DAYS})"
        )
    return problems


@dg.asset(
    key=QUEUE_KEY,
    deps=[REVIEW_QUEUE_KEY],
    group_name="linkage",
    description="The clerical review queue after this run: open pairs, oldest pair's age, decisions per day "
    "(`customer360 review` serves the page).",
)
def review_queue_asset(settings: Settings) -> dg.MaterializeResult:
    status = queue_status(settings.layout())
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": status["open"],
            "open_pairs": status["open"],
            "oldest_days": status["oldest_days"],
            "decisions_total": status["decisions"],
            "decided_today": status["decided_today"],
            "decisions_per_day": bar_chart(
                status["per_day"], title="decisions per day", key="day", value="decisions"
            ),
        }
    )


@dg.asset_check(
    asset=QUEUE_KEY, name="review_queue_not_growing", description="Warns when stewards fall behind."
)
def review_queue_check(settings: Settings) -> dg.AssetCheckResult:
    path = _status_path(settings.layout())
    history = read_parquet(path) if path.exists() else pd.DataFrame({"open": [], "oldest_days": []})
    problems = queue_problems(history)
    return dg.AssetCheckResult(
        passed=not problems,
        severity=dg.AssetCheckSeverity.WARN,
        description="; ".join(problems) or "the review queue is under control",
        metadata={"open_by_run": history["open"].tail(10).astype(int).tolist()},
    )
