"""Row counts of the models a dbt build materialised, read once dbt has exited.

dagster-dbt's `fetch_row_counts()` queries the warehouse while dbt is still building; DuckDB allows one process
on a file being written, so here the materialisations are held back until the build ends, counted over one
read-only connection, and then reported with `dagster/row_count` (the UI's row-count column and plot).
Views get no count: counting one runs its query (the unpivot of every customer attribute alone took 16 s at
150,000 customers), which would cost every night what the incremental marts save.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import dagster as dg

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


def with_row_counts(events: Iterable[Any], manifest: Mapping[str, Any], layout: DataLayout) -> Iterator[Any]:
    """Pass dbt's events through; each stored model's Output comes after the build, carrying its row count. An
    Output that gets no count (a view) and has no held model upstream passes at once: Dagster records it while dbt
    still builds, not after (Dagster takes a step's Outputs in dependency order only, so the rest wait)."""
    nodes = manifest.get("nodes", {})
    stored = relations(manifest, nodes)
    waiting: set[str] = set()

    def counted(event: Any) -> bool:
        if not isinstance(event, dg.Output):
            return False
        uid = event_unique_id(event)
        upstream = (nodes.get(uid) or {}).get("depends_on", {}).get("nodes", [])
        if uid in stored or waiting.intersection(upstream):
            waiting.add(uid)
        return uid in waiting

    def release(held: list[dg.Output]) -> Iterator[dg.Output]:
        unique_ids = [event_unique_id(e) for e in held]
        counts = count_rows(layout, {uid: stored[uid] for uid in unique_ids if uid in stored})
        for event, uid in zip(held, unique_ids, strict=True):
            yield event.with_metadata({**event.metadata, ROW_COUNT: counts[uid]}) if uid in counts else event

    return hold_until_exit(events, counted, release)
