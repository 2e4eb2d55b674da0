"""linkage/customer_xref, match_pairs, review_queue, id_history: every silver/person record linked into customers."""

import datetime as dt
from pathlib import Path

import dagster as dg
import pandas as pd

from assets.ingest.manifest import LINKED, SILVER, advance, pending_dates
from assets.link.io import read_person_glob, read_previous, write_linkage_outputs
from assets.metadata import bar_chart, counts_table, distribution_counts, markdown_table
from assets.settings import Settings
from linkage.config import load_linkage_config
from linkage.engine import LinkageResult, link
from linkage.records import PERSON_COLUMNS

KEYS = {
    "customer_xref": dg.AssetKey(["linkage", "customer_xref"]),
    "match_pairs": dg.AssetKey(["linkage", "match_pairs"]),
    "review_queue": dg.AssetKey(["linkage", "review_queue"]),
    "id_history": dg.AssetKey(["linkage", "id_history"]),
}
PERSON_KEY = dg.AssetKey(["silver", "person"])


def example_matches(result: LinkageResult, n: int = 8) -> str:
    """Markdown: strongest, weakest and review pairs with the comparisons that carried them."""
    pairs = result.pairs
    if pairs.empty:
        return "_(no matches)_"
    weights = [c for c in pairs.columns if c.startswith("weight_")]
    picks = pd.concat(
        [pairs[pairs["decision"] == "match"].head(n // 2), pairs[pairs["decision"] == "match"].tail(n // 4),
         pairs[pairs["decision"] == "review"].head(n // 4)]
    ).drop_duplicates(["source_l", "id_l", "source_r", "id_r"])  # fmt: skip

    def evidence(row: pd.Series) -> str:
        top = sorted(((row[w], w.removeprefix("weight_")) for w in weights if row[w] != 0), reverse=True)
        return ", ".join(f"{name} {value:+.1f}" for value, name in top[:5])

    table = pd.DataFrame(
        {
            "left": picks["source_l"] + ":" + picks["id_l"],
            "right": picks["source_r"] + ":" + picks["id_r"],
            "decision": picks["decision"],
            "probability": picks["match_probability"].round(4),
            "weight": picks["match_weight"].round(1),
            "evidence (bits)": picks.apply(evidence, axis=1),
        }
    )
    return markdown_table(table)


@dg.multi_asset(
    name="link",
    outs={name: dg.AssetOut(key=key, group_name="linkage", is_required=True) for name, key in KEYS.items()},
    deps=[PERSON_KEY],
    description="Match every person record into customers with persistent ids (linkage/, config/linkage.yaml).",
)
def link_assets(context: dg.AssetExecutionContext, settings: Settings):
    layout = settings.layout()
    config = load_linkage_config(
        layout.config_dir / "linkage.yaml" if (layout.config_dir / "linkage.yaml").exists() else None
    )
    persons = read_person_glob(str(layout.root / "silver" / "person" / "*" / "*.parquet"))
    if persons is None:
        persons = pd.DataFrame({c: pd.Series(dtype="string") for c in PERSON_COLUMNS})
    run_id = context.run_id or dt.datetime.now(dt.UTC).isoformat()
    result = link(
        persons, config, previous_xref=read_previous(layout.linkage_dir, "customer_xref"), run_id=run_id
    )
    paths = write_linkage_outputs(result, layout.linkage_dir, run_id)
    # the standardised files' rows are in the customer file now: settled (assets/ingest/manifest.py)
    settled = advance(
        layout, pending_dates(layout, progress=(SILVER,)), to=LINKED, settled_run_date=_run_date(context)
    )
    s = result.summary
    sizes = distribution_counts(result.xref.groupby("customer_id").size() if len(result.xref) else [])
    yield _output(
        "customer_xref",
        result.xref,
        paths,
        {
            "records": s["records"],
            "customers": s["clusters"],
            "multi_record_customers": s["multi_record_clusters"],
            "match_rate": float(s["match_rate"]),
            "new_customers": s["new_customers"],
            "files_settled": settled,
            "merged": s["merged"],
            "split": s["split"],
            "retired": s["retired"],
            "cluster_sizes": bar_chart(sizes, title="records per customer", key="records", value="customers"),
            "timings_s": s["timings"],
        },
    )
    yield _output(
        "match_pairs",
        result.pairs,
        paths,
        {
            "candidate_pairs": s["candidate_pairs"],
            "pairs_by_rule": counts_table(s["pairs_by_rule"], key="blocking rule", value="pairs"),
            "skipped_block_keys": s["skipped_block_keys"],
            "matches": s["matches"],
            "review": s["review"],
            "chaining_refusals": s["chaining_refusals"],
            "example_matches": dg.MetadataValue.md(example_matches(result)),
        },
    )
    yield _output("review_queue", result.review, paths, {})
    events = result.history["event"].value_counts().to_dict() if len(result.history) else {}
    yield _output("id_history", result.history, paths, {"events_this_run": counts_table(events, key="event")})


def _run_date(context: dg.AssetExecutionContext) -> str | None:
    """The run's partition (the nightly job's run_date), if it has one: link itself is not partitioned."""
    return context.run.tags.get("dagster/partition")


def _output(
    name: str, frame: pd.DataFrame, paths: dict[str, Path], metadata: dict[str, object]
) -> dg.MaterializeResult:
    """One linkage output: its row count and file, then what is particular to it."""
    return dg.MaterializeResult(
        asset_key=KEYS[name],
        metadata={
            "dagster/row_count": len(frame),
            "path": dg.MetadataValue.path(str(paths[name])),
            **metadata,
        },
    )
