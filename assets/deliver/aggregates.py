"""Small-cell suppression for aggregate marts: a cell counted from fewer than k people keeps its dimensions,
loses every measure, and is flagged `suppressed`.

Which models are aggregates is declared once, in the model's dbt `meta`:
`aggregate: {people_column: <distinct people behind the row>, dimensions: [<columns kept on a suppressed row>]}`.
Every other column is a measure, so a column added later is suppressed by default (fail closed).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

SUPPRESSED = "suppressed"


class AggregateSpecError(ValueError):
    pass


@dataclass(frozen=True)
class Aggregate:
    people_column: str
    dimensions: tuple[str, ...]

    def check(self, table: str, schema: pa.Schema) -> None:
        """The declared columns must exist and the flag column must be free; errors say where to fix it."""
        missing = [c for c in (self.people_column, *self.dimensions) if c not in schema.names]
        problem = None
        if missing:
            problem = f"declares columns {missing} the table does not have"
        elif self.people_column in self.dimensions:
            problem = f"lists its people column '{self.people_column}' among the dimensions"
        elif SUPPRESSED in schema.names:
            problem = f"already has a column named '{SUPPRESSED}', the flag suppression adds"
        if problem:
            raise AggregateSpecError(
                f"{table}: meta.aggregate {problem}; fix: correct `meta: {{aggregate: …}}` in the model's yml "
                "(or rename the column) and run `dbt parse`"
            )


def _aggregate(model: str, declared: object) -> Aggregate:
    people = declared.get("people_column") if isinstance(declared, dict) else None
    dimensions = declared.get("dimensions", []) if isinstance(declared, dict) else None
    if not isinstance(people, str) or not (
        isinstance(dimensions, list) and all(isinstance(d, str) for d in dimensions)
    ):
        raise AggregateSpecError(
            f"model {model}: meta.aggregate must be {{people_column: <column>, dimensions: [<column>, …]}}, "
            f"got {declared!r}; fix the model's yml"
        )
    return Aggregate(people, tuple(dimensions))


def aggregates_from_manifest(manifest_path: Path) -> dict[str, Aggregate]:
    """{model name: Aggregate} for every model whose meta (or config.meta) declares `aggregate`."""
    manifest = json.loads(Path(manifest_path).read_text())
    found: dict[str, Aggregate] = {}
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") != "model":
            continue
        meta = {**(node.get("meta") or {}), **((node.get("config") or {}).get("meta") or {})}
        if "aggregate" in meta:
            found[node["name"]] = _aggregate(node["name"], meta["aggregate"])
    return found


@dataclass(frozen=True)
class CellSuppression:
    """Suppress the cells of one aggregate counted from fewer than `min_cell_size` people."""

    aggregate: Aggregate
    min_cell_size: int

    def schema(self, schema: pa.Schema) -> pa.Schema:
        return schema.append(pa.field(SUPPRESSED, pa.bool_()))

    def apply(self, batch: pa.RecordBatch) -> tuple[pa.RecordBatch, int]:
        """Null every measure of the small cells (an unknown people count is small) and add the flag."""
        small = pc.fill_null(pc.less(batch[self.aggregate.people_column], self.min_cell_size), True)
        columns = [
            column
            if name in self.aggregate.dimensions
            else pc.if_else(small, pa.scalar(None, column.type), column)
            for name, column in zip(batch.schema.names, batch.columns, strict=True)
        ]
        flagged = pa.RecordBatch.from_arrays([*columns, small], schema=self.schema(batch.schema))
        return flagged, pc.sum(small.cast(pa.int64())).as_py() or 0
