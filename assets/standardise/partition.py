"""Standardise one run_date: stream every source's bronze rows in batches to silver per entity and the person
records, so memory follows the batch size, not the night's delivery.

Each bronze file is read `BATCH_ROWS` at a time over Arrow, standardised, and appended to its entity's silver
file and to the person file through `ParquetOut` (written beside, renamed into place when complete). Rows of
one person split across two batches become two person rows of the night; linkage merges them
(`assets/link/io.merge_person_versions`: latest values, every email and phone). Batches are standardised
side by side in worker processes (assets/standardise/workers.py) and written in the order they were read.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa

from assets.entities import ENTITIES
from assets.ingest.parquet_out import ParquetOut
from assets.layout import DataLayout
from assets.parquet_files import open_parquet, write_parquet_atomic
from assets.standardise.rules import stamp
from assets.standardise.silver import empty_silver
from assets.standardise.workers import Batch, in_order, worker_count, workers_for
from linkage.records import build_person_records
from linkage.standardise._unique import forget

PERSON = "person"
BATCH_ROWS = 200_000


@dataclass
class SilverResult:
    rows: dict[str, int] = field(default_factory=dict)  # entity -> rows written
    rows_by_source: dict[str, int] = field(default_factory=dict)
    persons: int = 0
    paths: dict[str, Path] = field(default_factory=dict)


def bronze_tables(directory: Path, batch_rows: int = BATCH_ROWS) -> Iterator[pa.Table]:
    """A source's bronze rows of one run_date as Arrow, `batch_rows` at a time, file by file."""
    for path in sorted(directory.glob("*.parquet")):
        for batch in open_parquet(path).iter_batches(batch_size=batch_rows):
            if batch.num_rows:
                yield pa.Table.from_batches([batch])


def night_rows(layout: DataLayout, sources: list, run_date: str) -> int:
    """Bronze rows of the night, from the files' footers."""
    return sum(
        open_parquet(path).metadata.num_rows
        for source in sources
        for path in layout.bronze(source.name, run_date).glob("*.parquet")
    )


def night_batches(layout: DataLayout, sources: list, run_date: str, batch_rows: int) -> Iterator[Batch]:
    """Every source's batches of the night, sources in their configured order."""
    for source in sources:
        for rows in bronze_tables(layout.bronze(source.name, run_date), batch_rows):
            yield Batch(
                rows=rows,
                entity=ENTITIES[source.entity].name,
                source=source.name,
                region=getattr(source, "phone_region", "CN") or "CN",
                formats=tuple(getattr(source, "date_formats", []) or []),
                serial_dates=getattr(source, "serial_dates", True),
                values=getattr(source, "values", None),
            )


def _settled(schema: pa.Schema) -> pa.Schema:
    """The first batch's schema with all-null columns typed as strings (a later batch may hold values)."""
    fields = []
    for f in schema:
        if pa.types.is_null(f.type):
            f = f.with_type(pa.string())
        elif pa.types.is_list(f.type) and pa.types.is_null(f.type.value_type):
            f = f.with_type(pa.list_(pa.string()))
        fields.append(f)
    return pa.schema(fields)


class _Appender:
    """One silver file appended batch by batch; its schema is fixed by the first batch."""

    def __init__(self, stack: ExitStack, path: Path):
        self.stack, self.path = stack, path
        self.out: ParquetOut | None = None
        self.schema: pa.Schema | None = None

    def write(self, table: pa.Table) -> None:
        if self.out is None:
            self.schema = _settled(table.schema)
            self.out = self.stack.enter_context(ParquetOut(self.path, self.schema))
        assert self.schema is not None
        columns = [
            table.column(f.name).cast(f.type)
            if f.name in table.column_names
            else pa.nulls(len(table), f.type)
            for f in self.schema
        ]
        self.out.write(pa.Table.from_arrays(columns, schema=self.schema))

    @property
    def rows(self) -> int:
        return self.out.rows if self.out is not None else 0


def standardise_partition(
    layout: DataLayout,
    sources: list,
    run_date: str,
    batch_rows: int = BATCH_ROWS,
    workers: int | None = None,
) -> SilverResult:
    """`sources`: the SourceConfig objects (name, entity, date_formats, phone_region) of sources.yaml.
    `workers`: processes standardising batches side by side (default `C360_WORKERS`, else 1; fewer for a
    small night); the files written are the same for any number."""
    result = SilverResult()
    if workers is None:
        workers = workers_for(night_rows(layout, sources, run_date), worker_count())
    with ExitStack() as stack:
        stack.callback(forget)  # the night's remembered phones, names and addresses: not the next night's
        writers = {name: _Appender(stack, layout.silver(name, run_date)) for name in (*ENTITIES, PERSON)}
        batches = night_batches(layout, sources, run_date, batch_rows)
        for batch, (silver, persons) in in_order(batches, workers):
            writers[batch.entity].write(silver)
            writers[PERSON].write(persons)
            result.rows_by_source[batch.source] = result.rows_by_source.get(batch.source, 0) + len(silver)
    for name, writer in writers.items():
        if writer.out is None:  # nothing this night: an empty file with the full schema
            empty = empty_persons() if name == PERSON else empty_silver(ENTITIES[name])
            write_parquet_atomic(empty, writer.path)
        result.paths[name] = writer.path
        if name == PERSON:
            result.persons = writer.rows
        else:
            result.rows[name] = writer.rows
    stamp(layout, run_date)  # last: a partition killed half-written is stale, standardised again
    return result


def empty_persons() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="string") for c in ENTITIES["contact"].column_names})
    frame["_source"] = pd.Series(dtype="string")
    return build_person_records(frame, "contact", "none").iloc[0:0]
