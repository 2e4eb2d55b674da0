"""review/queue: the clerical review queue's state after each linkage run (size, age, decisions per day), and a
check that warns when the stewards fall behind."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from assets import background
from assets.layout import DataLayout
from assets.metadata import bar_chart
from assets.parquet_files import open_parquet, read_parquet, write_parquet_atomic
from assets.review.decisions import decisions_path, read_decisions
from assets.settings import Settings
from linkage.constraints import latest_decisions, record_key

QUEUE_KEY = dg.AssetKey(["review", "queue"])
REVIEW_QUEUE_KEY = dg.AssetKey(["linkage", "review_queue"])
GROWING_RUNS = 3  # the check warns when the open queue grew in each of the last this many runs…
MAX_AGE_DAYS = 14  # …or when a pair has waited longer than this


def _seen_path(layout: DataLayout):
    return layout.linkage_dir / "review" / "queue_seen.parquet"


def _status_path(layout: DataLayout):
    return layout.linkage_dir / "review" / "queue_status.parquet"


# what the queue's status needs of linkage/review_queue (150k customers: 155k pairs of 33 columns)
_QUEUE_COLUMNS = ["source_l", "id_l", "source_r", "id_r"]
_SETTLED = ("match", "non_match")  # a pair decided so leaves the queue (an `unsure` one stays)


def _settled_pairs(decisions: pd.DataFrame) -> pa.Table:
    """The pair keys (queue.build_queue's `pair`) whose latest decision settled them."""
    latest = latest_decisions(decisions)
    latest = latest[latest["label"].isin(_SETTLED)]
    keys = (
        record_key(latest["source_l"], latest["id_l"])
        + "\x1f"
        + record_key(latest["source_r"], latest["id_r"])
    )
    return pa.table({"pair": pa.array(keys.tolist(), pa.string())})


def _open_pairs(layout: DataLayout, decisions: pd.DataFrame) -> pa.Table | None:
    """The review pairs no decision settled, in linkage's order, with their pair key and when each entered the
    queue (null for a new one: `queue_status` dates it). Joined in DuckDB over Arrow: the status needs no priority
    order, and 155k pair keys as pandas objects cost ~2 s a night (their sort and the seen file's read)."""
    path = layout.linkage_dir / "review_queue.parquet"
    if not path.exists():
        return None
    pairs = open_parquet(path).read(columns=_QUEUE_COLUMNS)
    pairs = pairs.append_column("_order", pa.array(np.arange(pairs.num_rows, dtype=np.int64)))
    seen_path = _seen_path(layout)
    seen = (
        open_parquet(seen_path).read(columns=["pair", "first_seen"])
        if seen_path.exists()
        else pa.table(
            {"pair": pa.array([], pa.string()), "first_seen": pa.array([], pa.timestamp("us", "UTC"))}
        )
    )
    with duckdb.connect(config={"threads": 1}) as con:
        con.execute("SET TimeZone = 'UTC'")
        for name, table in (("pairs", pairs), ("settled", _settled_pairs(decisions)), ("seen", seen)):
            con.register(name, table)
        return con.execute(
            """
            with keyed as (  -- record_key's text: pandas' str() of a missing id is 'None'
                select *, coalesce(cast(source_l as varchar), 'None') || chr(31) || coalesce(cast(id_l as varchar), 'None') as lk,
                          coalesce(cast(source_r as varchar), 'None') || chr(31) || coalesce(cast(id_r as varchar), 'None') as rk
                from pairs
            ), open as (
                select source_l, id_l, source_r, id_r, _order,
                       case when lk <= rk then lk || chr(31) || rk else rk || chr(31) || lk end as pair
                from keyed
            )
            select source_l, id_l, source_r, id_r, pair, cast(s.first_seen as timestamptz) as first_seen
            from open
            left join (select pair, min(first_seen) as first_seen from seen group by pair) s using (pair)
            where not exists (select 1 from settled t where t.pair = open.pair)
            order by _order
            """
        ).fetch_arrow_table()


def _queue_reads(layout: DataLayout) -> tuple[pd.DataFrame, pa.Table | None]:
    """What the queue's status reads: every decision and the open pairs (new ones not dated yet)."""
    decisions = read_decisions(layout)
    return decisions, _open_pairs(layout, decisions)


def queue_reads_work(
    layout: DataLayout,
) -> tuple[str, Callable[[], tuple[pd.DataFrame, pa.Table | None]], list[Path]]:
    """`_queue_reads` as background work (assets/background.py): its name, the work and what it reads (the
    review queue, the seen pairs, the decisions); the same for `start` and `take`."""
    inputs = [layout.linkage_dir / "review_queue.parquet", _seen_path(layout), decisions_path(layout)]
    return "review: open pairs", lambda: _queue_reads(layout), inputs


def planned_queue_reads(layout: DataLayout, after: str | None) -> background.Plan:
    """For `background_run`: the queue's reads started once the run reaches point `after` (the link step's
    outputs, the review queue among them, in place: they run beside the state's commit and the linkage check; a
    link step that wrote nothing starts nothing); nothing without a point to wait for."""
    return background.plan(after, lambda: background.start(*queue_reads_work(layout)))


def _dated(open_pairs: pa.Table, now: pd.Timestamp) -> pa.Table:
    """The open pairs with `now` as the first sight of those new to the queue."""
    column = open_pairs.schema.get_field_index("first_seen")
    first_seen = open_pairs.column(column)
    dated = pc.fill_null(first_seen, pa.scalar(now.to_pydatetime(), first_seen.type))
    return open_pairs.set_column(column, open_pairs.schema.field(column), dated)


def queue_status(layout: DataLayout, now: pd.Timestamp | None = None) -> dict:
    """Open pairs, the age of the oldest, decisions per day; remembers when each pair entered the queue and
    appends this run's figures to linkage/review/queue_status.parquet."""
    now = now or pd.Timestamp.now(tz="UTC")
    decisions, open_pairs = background.take(*queue_reads_work(layout))
    open_pairs = None if open_pairs is None else _dated(open_pairs, now)
    if open_pairs is not None and open_pairs.num_rows:
        write_parquet_atomic(open_pairs, _seen_path(layout))  # pairs no longer open are forgotten
    opened = open_pairs.num_rows if open_pairs is not None else 0
    ages = (
        (now - pd.to_datetime(open_pairs.column("first_seen").to_pandas(), utc=True)).dt.days
        if opened
        else pd.Series([])
    )
    per_day = (
        decisions.groupby(decisions["decided_at"].dt.strftime("%Y-%m-%d")).size().tail(14)
        if len(decisions)
        else pd.Series(dtype=int)
    )
    status = {"at": now, "open": opened, "oldest_days": int(ages.max()) if len(ages) else 0,
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
