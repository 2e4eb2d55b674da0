"""Asset keys of dbt nodes: `<layer>/<name>` like every other key (raw/…, silver/…, linkage/…, delivery/…).

The layer is the model's folder under models/ (`staging`, `intermediate`, `marts`), `seeds` or `snapshots`:
`marts/dim_customer`, `staging/stg_silver__orders`, `snapshots/dim_customer_snapshot`. Code that knows a table
only by its name (a delivery target's `tables`, the report's inputs) asks `dbt_asset_key(name)`.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg

LAYER_OF_TYPE = {"seed": "seeds", "snapshot": "snapshots"}
DEFAULT_LAYER = "marts"  # a name the manifest does not know: where public tables live


def dbt_layer(props: Mapping[str, Any]) -> str:
    """The key prefix of a dbt node (its manifest entry): the models/ folder, `seeds` or `snapshots`."""
    kind = props["resource_type"]
    if kind in LAYER_OF_TYPE:
        return LAYER_OF_TYPE[kind]
    fqn = props.get("fqn", [])  # [project, folder, ..., name]
    return fqn[1] if len(fqn) > 2 else "dbt"


def node_asset_key(props: Mapping[str, Any]) -> dg.AssetKey:
    return dg.AssetKey([dbt_layer(props), props["name"]])


@functools.cache
def _keys_by_name(manifest_path: Path, mtime: float) -> dict[str, dg.AssetKey]:
    nodes = json.loads(manifest_path.read_text()).get("nodes", {})
    return {
        node["name"]: node_asset_key(node)
        for node in nodes.values()
        if node.get("resource_type") in {"model", "seed", "snapshot"}
    }


def dbt_asset_key(name: str, manifest_path: Path | None = None) -> dg.AssetKey:
    """The asset key of the dbt model, seed or snapshot `name` (`dim_customer` → `marts/dim_customer`)."""
    if manifest_path is None:
        from assets.dbt.defs import dbt_project  # parses the project when its manifest is missing or stale

        manifest_path = dbt_project.manifest_path
    path = Path(manifest_path)
    known = _keys_by_name(path, path.stat().st_mtime) if path.exists() else {}
    return known.get(name) or dg.AssetKey([DEFAULT_LAYER, name])
