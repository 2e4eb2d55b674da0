"""Row counts of the models a dbt build materialised, reported with `dagster/row_count` (the UI's row-count column
and plot).

dagster-dbt's `fetch_row_counts()` queries the warehouse while dbt is still building; DuckDB allows one process
on a file being written, so the counts are made in dbt's own process as it builds each relation
(assets/dbt/built_rows.py); a materialisation without one is held back until the build ends, counted over one
read-only connection, and then reported.
Views get no count: counting one runs its query (the unpivot of every customer attribute alone took 16 s at
150,000 customers), which would cost every night what the incremental marts save.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import dagster as dg

from assets.dbt.built_rows import CountedInBuild
from assets.dbt.held_events import event_unique_id, hold_until_exit
from assets.layout import DataLayout

ROW_COUNT = "dagster/row_count"
COMPUTED = {"view", "ephemeral"}  # relations whose rows exist only when queried


def relations(manifest: Mapping[str, Any], unique_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    """unique_id → (schema, table) for the stored models (tables, incremental), seeds and snapshots among
    `unique_ids`; views and ephemeral models are left out (a count would run their query)."""
    nodes = manifest.get("nodes", {})
    out = {}
    for uid in unique_ids:
        node = nodes.get(uid)
        materialized = (node or {}).get("config", {}).get("materialized")
        if (
            node
            and node.get("resource_type") in {"model", "seed", "snapshot"}
            and materialized not in COMPUTED
        ):
            out[uid] = (node["schema"], node.get("alias") or node["name"])
    return out


def count_rows(layout: DataLayout, tables: Mapping[str, tuple[str, str]]) -> dict[str, int]:
    """unique_id → rows, for the relations that exist (ephemeral models and failed builds have none)."""
    from assets.dbt.engine import built_warehouse_exists, connect_built_warehouse

    if not tables or not built_warehouse_exists(layout.warehouse):
        return {}
    counts = {}
    with connect_built_warehouse(layout.warehouse, read_only=True) as (con, catalog):
        existing = {
            (s, t)
            for s, t in con.execute(
                "select table_schema, table_name from information_schema.tables where table_catalog = ?",
                [catalog],
            ).fetchall()
        }
        for uid, (schema, table) in tables.items():
            if (schema, table) in existing:
                counts[uid] = con.execute(
                    f'select count(*) from "{catalog}"."{schema}"."{table}"'
                ).fetchone()[0]
    return counts


def with_row_counts(
    events: Iterable[Any],
    manifest: Mapping[str, Any],
    layout: DataLayout,
    counted_in_build: CountedInBuild | None = None,
) -> Iterator[Any]:
    """Pass dbt's events through, each stored model's Output carrying its row count: the count dbt's process made
    as it built the model (`counted_in_build`, assets/dbt/built_rows.py), written just after dbt reported the
    result the Output is made of, so the Output waits for it (until the next event, at most the build's end); what
    has none there by then is counted after the build. An Output that needs no count (a view) or has its count passes
    at once unless a held model is upstream of it: Dagster records it while dbt still builds, not after (Dagster
    takes a step's Outputs in dependency order only, so the rest wait)."""
    nodes = manifest.get("nodes", {})
    stored = relations(manifest, nodes)

    def with_build_count(event: dg.Output) -> dg.Output:
        uid = event_unique_id(event)
        if uid not in stored or ROW_COUNT in event.metadata or counted_in_build is None:
            return event
        invocation = str(getattr(event.metadata.get("invocation_id"), "value", ""))
        rows = counted_in_build.rows(invocation, uid)
        return event if rows is None else event.with_metadata({**event.metadata, ROW_COUNT: rows})

    def released(held: list[dg.Output]) -> Iterator[dg.Output]:
        """The held Outputs that have their count and no held model upstream, in order; the rest stay held."""
        still: list[dg.Output] = []
        still_ids: set[str] = set()
        for event in map(with_build_count, held):
            uid = event_unique_id(event)
            upstream = (nodes.get(uid) or {}).get("depends_on", {}).get("nodes", [])
            if (uid in stored and ROW_COUNT not in event.metadata) or still_ids.intersection(upstream):
                still.append(event)
                still_ids.add(uid)
            else:
                yield event
        held[:] = still

    def counted_after_build(held: list[dg.Output]) -> Iterator[dg.Output]:
        held = [with_build_count(event) for event in held]  # the last counts came after the last event
        unique_ids = [event_unique_id(e) for e in held]
        uncounted = [uid for uid, e in zip(unique_ids, held, strict=True) if ROW_COUNT not in e.metadata]
        counts = count_rows(layout, {uid: stored[uid] for uid in uncounted if uid in stored})
        for event, uid in zip(held, unique_ids, strict=True):
            yield event.with_metadata({**event.metadata, ROW_COUNT: counts[uid]}) if uid in counts else event

    def is_output(event: Any) -> bool:
        return isinstance(event, dg.Output)

    return hold_until_exit(events, is_output, counted_after_build, ready=released)
