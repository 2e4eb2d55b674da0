"""Small-cell suppression for aggregate marts: a cell counted from fewer than k people keeps its dimensions,
loses every measure, and is flagged `suppressed`.

Which models are aggregates is declared once, in the model's dbt `meta`:
`aggregate: {people_column: <distinct people behind the row>, dimensions: [<columns kept on a suppressed row>],
rollup: {marker: '(all)', dimensions: [<the cube's dimensions>]}}` (`rollup` only for a mart holding its own
totals). Every column not listed as a dimension is a measure, so a column added later is suppressed by default.

A total published beside its parts gives a lone suppressed part away by subtraction, so for a roll-up mart
suppression is complementary: in every "total = sum of its parts" relation that holds exactly one suppressed
cell, the unsuppressed member with the fewest people is suppressed too, until no relation has exactly one.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import permutations
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from assets.privacy.classification import dbt_meta, read_dbt_manifest

SUPPRESSED = "suppressed"


class AggregateSpecError(ValueError):
    pass


@dataclass(frozen=True)
class Rollup:
    marker: str  # the value a cube dimension takes on a row totalled over it, e.g. '(all)'
    dimensions: tuple[str, ...]  # the cube's dimensions (not a surrogate key of them)


@dataclass(frozen=True)
class Aggregate:
    people_column: str
    dimensions: tuple[str, ...]
    rollup: Rollup | None = None

    def columns(self) -> list[str]:
        """The columns that decide which cells are suppressed."""
        return [self.people_column, *(self.rollup.dimensions if self.rollup else ())]

    def check(self, table: str, schema: pa.Schema) -> None:
        """The declared columns must exist and the flag column must be free; errors say where to fix it."""
        declared = [self.people_column, *self.dimensions, *(self.rollup.dimensions if self.rollup else ())]
        missing = [c for c in dict.fromkeys(declared) if c not in schema.names]
        problem = None
        if missing:
            problem = f"declares columns {missing} the table does not have"
        elif self.people_column in self.dimensions:
            problem = f"lists its people column '{self.people_column}' among the dimensions"
        elif self.rollup and not set(self.rollup.dimensions) <= set(self.dimensions):
            problem = "has rollup dimensions that are not among its dimensions"
        elif SUPPRESSED in schema.names:
            problem = f"already has a column named '{SUPPRESSED}', the flag suppression adds"
        if problem:
            raise AggregateSpecError(
                f"{table}: meta.aggregate {problem}; fix: correct `meta: {{aggregate: …}}` in the model's yml "
                "(or rename the column) and run `dbt parse`"
            )


def _names(value: object) -> tuple[str, ...] | None:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def _aggregate(model: str, declared: object) -> Aggregate:
    spec = declared if isinstance(declared, dict) else {}
    rollup = spec.get("rollup")
    people, dimensions = spec.get("people_column"), _names(spec.get("dimensions", []))
    rollup_ok = rollup is None or (
        isinstance(rollup, dict)
        and isinstance(rollup.get("marker"), str)
        and _names(rollup.get("dimensions"))
    )
    if not isinstance(people, str) or dimensions is None or not rollup_ok:
        raise AggregateSpecError(
            f"model {model}: meta.aggregate must be {{people_column: <column>, dimensions: [<column>, …], "
            f"rollup (optional): {{marker: <total value>, dimensions: [<column>, …]}}}}, got {declared!r}; "
            "fix the model's yml"
        )
    cube = Rollup(rollup["marker"], _names(rollup["dimensions"])) if rollup else None
    return Aggregate(people, dimensions, cube)


def aggregates_from_manifest(manifest_path: Path) -> dict[str, Aggregate]:
    """{model name: Aggregate} for every model whose meta (or config.meta) declares `aggregate`."""
    manifest = read_dbt_manifest(manifest_path, ", so the aggregate marts are unknown")
    found: dict[str, Aggregate] = {}
    for node in manifest.get("nodes", {}).values():
        if node.get("resource_type") != "model":
            continue
        meta = dbt_meta(node)
        if "aggregate" in meta:
            found[node["name"]] = _aggregate(node["name"], meta["aggregate"])
    return found


def _additive_relations(cube: pd.DataFrame, marker: str) -> list[np.ndarray]:
    """Row positions of every "total = sum of its parts" relation of a roll-up: a row totalled over a set of
    dimensions, with the rows of each finer grouping that agree with it on its other dimensions."""
    dims = list(cube.columns)
    totalled = cube.eq(marker).to_numpy()
    pattern = totalled @ (1 << np.arange(len(dims)))  # bit i: totalled over dims[i]
    relations = []
    for total, part in permutations(np.unique(pattern), 2):
        if total & part != part:  # `part` must be a finer grouping than `total`
            continue
        rows = cube[np.isin(pattern, [total, part])]
        fixed = [d for i, d in enumerate(dims) if not total >> i & 1]
        groups = (
            rows.groupby(fixed, dropna=False, sort=False).indices if fixed else {(): np.arange(len(rows))}
        )
        relations.extend(rows.index.to_numpy()[members] for members in groups.values())
    # a group without its total row (a filtered cube) is no relation anyone can subtract with
    return [r for r in relations if len(r) > 1 and (pattern[r] > pattern[r].min()).any()]


def complement(suppressed: np.ndarray, people: np.ndarray, relations: list[np.ndarray]) -> np.ndarray:
    """Suppress more cells until no relation holds exactly one suppressed member (fewest people first)."""
    out = suppressed.copy()
    changed = True
    while changed:
        changed = False
        for members in relations:
            if out[members].sum() == 1:
                open_members = members[~out[members]]
                out[open_members[np.argmin(people[open_members])]] = True
                changed = True
    return out


@dataclass(frozen=True)
class CellSuppression:
    """Suppress the cells of one aggregate counted from fewer than `min_cell_size` people."""

    aggregate: Aggregate
    min_cell_size: int

    def schema(self, schema: pa.Schema) -> pa.Schema:
        return schema.append(pa.field(SUPPRESSED, pa.bool_()))

    def cells(self, frame: pd.DataFrame) -> np.ndarray:
        """Which rows of the whole table (`frame`: its `aggregate.columns()`) to suppress; an unknown people
        count is a small one."""
        people = pd.to_numeric(frame[self.aggregate.people_column]).to_numpy(dtype=float, na_value=np.nan)
        small = ~(people >= self.min_cell_size)
        rollup = self.aggregate.rollup
        if rollup is None or not small.any():
            return small
        cube = frame[list(rollup.dimensions)].reset_index(drop=True)
        return complement(small, np.nan_to_num(people, nan=-1), _additive_relations(cube, rollup.marker))

    def apply(self, batch: pa.RecordBatch, suppress: np.ndarray) -> pa.RecordBatch:
        """Null every measure of the rows flagged in `suppress` (this batch's slice) and add the flag column."""
        flag = pa.array(suppress, pa.bool_())
        columns = [
            column
            if name in self.aggregate.dimensions
            else pc.if_else(flag, pa.scalar(None, column.type), column)
            for name, column in zip(batch.schema.names, batch.columns, strict=True)
        ]
        return pa.RecordBatch.from_arrays([*columns, flag], schema=self.schema(batch.schema))
