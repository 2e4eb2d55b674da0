"""linkage/customer_xref, match_pairs, review_queue, id_history: every silver/person record linked into customers."""

import datetime as dt
from functools import partial
from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd
import pyarrow as pa

from assets import background
from assets.ingest.manifest import LINKED, SILVER, advance, pending_dates
from assets.layout import DataLayout
from assets.link.engine import LinkEngine
from assets.link.inputs import declared_references, steward_decisions
from assets.link.io import (
    LINKED_COLUMNS,
    StagedState,
    commit_state,
    drop_staged_state,
    person_inputs,
    read_person_glob,
    stage_state,
    stored_model,
    write_linkage_outputs,
)
from assets.link.night_records import added_files, entities_stored, night_keys, stored_enough
from assets.link.prefetch import PAIRS, STATE, XREF, discard_link_reads, start_table_reads, take_link_read
from assets.metadata import bar_chart, counts_table, distribution_counts, folded_counts, markdown_table
from assets.review.decisions import decisions_path
from assets.settings import Settings
from linkage.config import LinkageConfig, load_linkage_config
from linkage.engine import LinkageResult, customer_sizes, link
from linkage.incremental import RefitNeeded, link_incremental, refit_reason
from linkage.pair_table import OrderedPairs, decided_as
from linkage.records import PERSON_COLUMNS
from linkage.state import LinkageState, linked_as_now, person_keys

KEYS = {
    "customer_xref": dg.AssetKey(["linkage", "customer_xref"]),
    "match_pairs": dg.AssetKey(["linkage", "match_pairs"]),
    "review_queue": dg.AssetKey(["linkage", "review_queue"]),
    "id_history": dg.AssetKey(["linkage", "id_history"]),
}
PERSON_KEY = dg.AssetKey(["silver", "person"])
PERSON_FILES = "silver/person/*/*.parquet"  # relative to the data root


def example_matches(result: LinkageResult, n: int = 8) -> str:
    """Markdown: strongest, weakest and review pairs with the comparisons that carried them."""
    pairs = result.pairs if isinstance(result.pairs, pd.DataFrame) else example_rows(result.pairs, n)
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


def example_rows(pairs: pa.Table | OrderedPairs, n: int) -> pd.DataFrame:
    """The rows of an Arrow pairs table example_matches may pick (the first n // 2 and last n // 4 matches,
    the first n // 4 review pairs), in order: the file's other pairs are not converted."""
    match, review = (np.flatnonzero(decided_as(pairs, decision)) for decision in ("match", "review"))
    rows = np.unique(np.r_[match[: n // 2], match[max(len(match) - n // 4, 0) :], review[: n // 4]])
    return pairs.take(rows).to_pandas()


class LinkRunConfig(dg.Config):
    full_refresh: bool = (
        False  # re-link every record with the stored model (the ids an incremental night gives)
    )
    refit: bool = False  # refit the model (EM) first, then re-link every record


def link_night(
    layout: DataLayout,
    config: LinkageConfig,
    run_id: str,
    full_refresh: bool = False,
    engine: LinkEngine | None = None,
    refit: bool = False,
) -> tuple[LinkageResult | None, str, dict[str, Path]]:
    """Link the night and write linkage/ (outputs, then the state for the next night). Returns the result,
    how it was done — skipped (no person file and no steward decision changed since the last linkage),
    incremental (stored model, new and changed records and the customers they touch) or full (every record:
    with a refitted model on the first run, a refit due or asked; with the stored one on `full_refresh`, with
    incremental nights off, or when steward labels correct the weights) — and the output paths."""
    pattern = str(layout.root / PERSON_FILES)
    decided = decisions_path(layout).relative_to(layout.root).as_posix()
    inputs = person_inputs(layout.root, PERSON_FILES) | person_inputs(layout.root, decided)
    asked = full_refresh or refit
    has_xref = (layout.linkage_dir / "customer_xref.parquet").exists()
    stored = stored_model(layout.linkage_dir)
    if not asked and has_xref and linked_as_now(stored, inputs, config):
        discard_link_reads()
        return None, "skipped: no new or changed person records since the last linkage", {}
    early = None
    if not asked and has_xref and config.incremental.enabled:  # decoded beside the step's own conversions
        start_table_reads(layout.linkage_dir)
        # the night's own records read (DuckDB) while last night's files are decoded, which the step would
        # otherwise wait for: from the person files model.json names, checked against the state taken below
        named = stored_inputs(stored)
        early = (named, added_persons(pattern, inputs, named, layout))
    # read ahead beside ingest and standardise on an incremental night (assets/link/prefetch.py)
    previous = take_link_read(layout.linkage_dir, XREF)
    state, linked_from = take_link_read(layout.linkage_dir, STATE)
    night = None
    if not asked and previous is not None:
        read_from, persons = early if early is not None else (None, None)
        if read_from != linked_from:  # not read early, or the state taken is not the one model.json named
            persons = added_persons(pattern, inputs, linked_from, layout)
        night = night_persons(persons, state)
    persons = night if night is not None else read_all_persons(pattern)
    decisions = steward_decisions(layout.linkage_dir, persons)  # constraints and labels (assets/review)
    references = declared_references(layout.config_dir)
    result: LinkageResult | None = None
    model = None if refit else state
    if refit:
        why = "refit asked"
    elif night is None and (reason := refit_reason(state, config, len(persons))):
        why, model = reason, None
    elif full_refresh:
        why = "full refresh asked"
    elif not config.incremental.enabled:
        why = "incremental nights are off (linkage.yaml incremental.enabled)"
    elif previous is None:
        why = "no customer file yet"
    else:
        outcome = link_incremental(persons, config, state, previous, [take_link_read(layout.linkage_dir, PAIRS)],
                                   run_id, decisions, references, night_only=night is not None)  # fmt: skip
        if isinstance(outcome, RefitNeeded):
            why, model = outcome.reason, None if outcome.refit else state
        else:
            result = outcome
    discard_link_reads()  # the match pairs a night that links every record does not read
    if result is None and night is not None:  # the full path links every record
        persons = read_all_persons(pattern)
        decisions = steward_decisions(layout.linkage_dir, persons)
    if result is None:
        if engine is not None and engine.engine_name() == "spark":
            model = None  # Spark fits its model on the whole file: a full night there is always a refit
        if engine is not None:  # in-process or on Spark (C360_ENGINE): the same stages, the same result
            result = engine.link(persons, config, layout.root, previous, run_id, decisions, references, model)
        else:
            result = link(persons, config, previous_xref=previous, run_id=run_id, decisions=decisions,
                          references=references, model=model)  # fmt: skip
        refitted = "refitted model" if model is None else "stored model"
        result.summary["mode"] = f"full ({refitted}): {why}"
    result.summary["stale_decisions"] = int(decisions["stale"].sum()) if len(decisions) else 0
    result.summary["person_records_read"] = len(persons)
    # the only records whose state rows changed: a night that read only its new records and linked them
    # incrementally (its state is the stored one with their rows replaced, assets/link/state_parts.py)
    changed = (
        night_state_keys(persons) if night is not None and result.summary["mode"] == "incremental" else None
    )
    # the vocabulary of the stored encoding: a night's encoding that extends it is written as one more part
    vocab = None if state is None or state.encoding is None else state.encoding.vocab
    # the person records, last night's file and state: the step's largest objects, gone before the writes
    del persons, previous, state, model, night
    staged: StagedState | None = None  # the state's tables, written under temporary names (`stage`)

    def stage() -> None:  # the state's tables, written while the match pairs are
        nonlocal staged
        if result.state is not None:
            staged = stage_state(layout.linkage_dir, result.state, inputs, night=changed, stored_vocab=vocab)

    # an incremental night hands its customer file on once staged (the linkage check's figures start on it); a
    # full night does not (nothing beside its writes: they start once its outputs are in place, LINKAGE_WRITTEN)
    incremental = result.summary["mode"] == "incremental"
    try:  # an incremental night's state (its rows) beside the pairs' write; a full night's whole, after it
        paths = write_linkage_outputs(
            result,
            layout.linkage_dir,
            run_id,
            beside=stage if changed is not None else None,
            xref_staged=partial(background.reached, background.XREF_STAGED) if incremental else None,
        )
    except BaseException:
        if staged is not None:
            drop_staged_state(staged)
        raise
    if changed is None:
        stage()
    # what reads the outputs in place starts beside the state's commit (the review queue's reads; the linkage check's
    # figures, unless they started on the staged customer file: orchestration/checks.py)
    background.reached(background.LINKAGE_WRITTEN)
    if staged is not None:  # last: a night that failed before this is linked again
        commit_state(staged)
    return result, result.summary["mode"], paths


def night_state_keys(persons: pd.DataFrame) -> pd.DataFrame:
    """(source, source_record_id) of the night's person records as the state keys them (stripped)."""
    source, record_id = person_keys(persons)
    return pd.DataFrame({"source": source, "source_record_id": record_id})


def read_all_persons(pattern: str) -> pd.DataFrame:
    """Every person record (the columns linkage reads); an empty table when there is none."""
    persons = read_person_glob(pattern, columns=LINKED_COLUMNS)
    if persons is None:
        persons = pd.DataFrame({c: pd.Series(dtype="string") for c in PERSON_COLUMNS})
    return persons


def stored_inputs(model: dict | None) -> dict[str, str]:
    """The person inputs the stored state (its model.json as a dict) was linked from ({} when none)."""
    return dict((model or {}).get("person_inputs") or {})


def added_persons(
    pattern: str, inputs: dict[str, str], linked_from: dict[str, str], layout: DataLayout
) -> pd.DataFrame | None:
    """The person records of the files added since the state linked from `linked_from` and those the
    steward decisions name (assets/link/night_records.py), or None when the night must read every record."""
    files = added_files(PERSON_FILES, inputs, linked_from)
    if files is None:
        return None
    keys = night_keys([layout.root / f for f in files], steward_decisions(layout.linkage_dir, None))
    return read_person_glob(pattern, only=keys, columns=LINKED_COLUMNS) if len(keys) else None


def night_persons(persons: pd.DataFrame | None, state: LinkageState | None) -> pd.DataFrame | None:
    """`added_persons`' records when the state holds what a night reading only them needs, else None (the
    night reads every record)."""
    if persons is None or not stored_enough(state) or not entities_stored(state, persons):
        return None
    return persons


@dg.multi_asset(
    name="link",
    outs={name: dg.AssetOut(key=key, group_name="linkage", is_required=False) for name, key in KEYS.items()},
    deps=[PERSON_KEY],
    can_subset=False,
    description="Match person records into customers with persistent ids (linkage/, config/linkage.yaml): the "
    "night's new and changed records against the customer file, all of them on a refit or `full_refresh`; "
    "nothing (and no marts) when no person record changed.",
    resource_defs={"link_engine": LinkEngine()},  # C360_ENGINE picks in-process or Spark
)
def link_assets(
    context: dg.AssetExecutionContext, settings: Settings, config: LinkRunConfig, link_engine: LinkEngine
):
    layout = settings.layout()
    linkage_config = load_linkage_config(
        layout.config_dir / "linkage.yaml" if (layout.config_dir / "linkage.yaml").exists() else None
    )
    run_id = context.run_id or dt.datetime.now(dt.UTC).isoformat()
    result, mode, paths = link_night(
        layout, linkage_config, run_id, config.full_refresh, link_engine, refit=config.refit
    )
    # the standardised files' rows are in the customer file now (or had no person): settled (assets/ingest/manifest.py)
    settled = advance(
        layout, pending_dates(layout, progress=(SILVER,)), to=LINKED, settled_run_date=_run_date(context)
    )
    if result is None:  # nothing materialised: dbt, delivery and the report downstream are skipped
        context.log.info(f"linkage {mode}; the marts are not rebuilt")
        for key in KEYS.values():
            context.log_event(dg.AssetObservation(asset_key=key, metadata={"skipped": mode}))
        return
    context.log.info(f"linkage: {mode}")
    s = result.summary
    # the engine's count of the customers' sizes: not counted again
    counted = s.get("cluster_size_distribution")
    sizes = (
        folded_counts(counted)
        if counted is not None
        else distribution_counts(customer_sizes(result.xref) if len(result.xref) else [])
    )
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
            "reference_links": s.get("reference_links", 0),
            "contact_point_attached": s.get("contact_point_attached", 0),
            "unlinkable_records": s.get("unlinkable_records", 0),
            "cluster_sizes": bar_chart(sizes, title="records per customer", key="records", value="customers"),
            "mode": mode,
            "relinked_records": s.get("relinked_records", s["records"]),
            "timings_s": s["timings"],
            "steward_decisions": {**s.get("steward", {}), "stale": s["stale_decisions"]},
            "engine": link_engine.engine_name(),
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
    name: str,
    frame: pd.DataFrame | pa.Table | OrderedPairs,
    paths: dict[str, Path],
    metadata: dict[str, object],
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
