"""One delivery: copy the marts out of the warehouse, mask them per the target's policy, publish, audit."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from assets.deliver.aggregates import Aggregate, CellSuppression, aggregates_from_manifest
from assets.deliver.concurrent import run_in_lanes
from assets.deliver.config import DeliveryConfig
from assets.deliver.staging import StagedTable, check_tagged, stage_table, written_by_duckdb
from assets.deliver.targets import Publisher, publisher_for
from assets.deliver.warehouse import open_marts
from assets.entities import Pii
from assets.layout import DataLayout
from assets.privacy.audit import record_event
from assets.privacy.classification import pii_tags_from_manifest
from assets.privacy.identifiers import hmac_key
from assets.privacy.masking import Action


@dataclass
class DeliveryResult:
    target: str
    run_id: str
    manifest_uri: str
    manifest: dict
    tables: list[StagedTable]

    @property
    def rows(self) -> dict[str, int]:
        return {t.name: t.rows for t in self.tables}

    @property
    def suppressed_cells(self) -> dict[str, int]:
        """Cells suppressed per aggregate table (empty when the policy sets no min_cell_size)."""
        return {t.name: t.suppressed_cells for t in self.tables if t.suppressed_cells is not None}


def _tags_for(tables: list[str], tags: dict[str, dict[str, Pii]], source: str) -> dict[str, dict[str, Pii]]:
    missing = [t for t in tables if t not in tags]
    if missing:
        raise LookupError(
            f"{source}: no model named {missing}, so their PII tags are unknown; fix: run `dbt parse` so the "
            "manifest is current, or remove the tables from the target in config/delivery.yaml"
        )
    return {t: tags[t] for t in tables}


def deliver_target(
    config: DeliveryConfig,
    target_name: str,
    layout: DataLayout,
    run_id: str,
    run_date: str | None = None,
    pii_tags: dict[str, dict[str, Pii]] | None = None,
    publisher: Publisher | None = None,
    aggregates: dict[str, Aggregate] | None = None,
) -> DeliveryResult:
    """Deliver one configured target. Every table is masked and checked before any is published, so a bad
    table (missing, untagged PII, no HMAC key, a wrong aggregate declaration) leaves the previous delivery
    untouched. Under a policy with `min_cell_size`, the small cells of aggregate marts are suppressed.

    `pii_tags` ({model: {column: tag}}) and `aggregates` ({model: Aggregate}) default to the dbt manifest named
    in the config.
    """
    target = config.target(target_name)
    tags = _tags_for(
        target.tables,
        pii_tags if pii_tags is not None else pii_tags_from_manifest(config.manifest_path()),
        str(config.manifest_path()) if pii_tags is None else "pii_tags",
    )
    policy = config.policy(target.policy)
    min_cell_size = config.min_cell_size(target.policy)
    if min_cell_size is not None and aggregates is None:
        aggregates = aggregates_from_manifest(config.manifest_path())
    fmt = getattr(target, "format", "parquet")
    run_date = run_date or datetime.now(UTC).date().isoformat()
    publisher = publisher or publisher_for(target, layout)
    key = hmac_key() if Action.HASHED in policy.values() else None
    (layout.root / "tmp").mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"deliver-{target.name}-", dir=layout.root / "tmp") as tmp:
        work = Path(tmp)
        with open_marts(layout.warehouse, target.tables) as marts:  # masked on the way out: no clear copy
            declared = {t: (aggregates or {}).get(t) if min_cell_size is not None else None for t in marts}
            cells = {t: None if d is None else CellSuppression(d, min_cell_size) for t, d in declared.items()}
            lanes = [written_by_duckdb(s, tags[t], policy, fmt, cells[t]) for t, s in marts.items()]
            not_pii = frozenset(config.not_pii)
            # every mart checked (on both threads) before any is written
            run_in_lanes([partial(check_tagged, t, s, tags[t], not_pii) for t, s in marts.items()], lanes)
            jobs = [
                partial(stage_table, t, s, work / "out", tags[t], policy, fmt, key, cells[t])
                for t, s in marts.items()
            ]
            # DuckDB's copies the largest first, the masking thread taking the last ones once its marts are done
            staged = run_in_lanes(jobs, lanes, shared=True, cost=[s.size_hint for s in marts.values()])
        manifest = {
            "target": target.name,
            "kind": target.kind,
            "run_id": run_id,
            "run_date": run_date,
            "delivered_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "policy": target.policy,
            "min_cell_size": min_cell_size,
            "tables": [t.manifest_entry() for t in staged],
        }
        uri = publisher.publish(staged, manifest)
    result = DeliveryResult(target.name, run_id, uri, manifest, staged)
    record_event(
        layout,
        "export" if fmt in ("csv", "xlsx") else "delivery",
        target.name,
        rows=sum(result.rows.values()),
        run_id=run_id,
        details={
            "kind": target.kind,
            "policy": target.policy,
            "tables": result.rows,
            "min_cell_size": min_cell_size,
            "suppressed_cells": result.suppressed_cells,
            "manifest": uri,
        },
    )
    return result
