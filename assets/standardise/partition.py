"""Standardise one run_date: stream every source's bronze rows in batches to silver per entity and the person
records, so memory follows the batch size, not the night's delivery.

Each bronze file is read `BATCH_ROWS` at a time over Arrow, standardised, and appended to its entity's silver
file and to the person file through `ParquetOut` (written beside, renamed into place when complete). Rows of
one person split across two batches become two person rows of the night; linkage merges them
(`assets/link/io.merge_person_versions`: latest values, every email and phone).
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
from assets.standardise.silver import empty_silver, standardise
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


def bronze_batches(directory: Path, batch_rows: int = BATCH_ROWS) -> Iterator[pd.DataFrame]:
    """A source's bronze rows of one run_date, `batch_rows` at a time, file by file."""
    for path in sorted(directory.glob("*.parquet")):
        for batch in open_parquet(path).iter_batches(batch_size=batch_rows):
            if batch.num_rows:
                yield pa.Table.from_batches([batch]).to_pandas()


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

    def write(self, frame: pd.DataFrame) -> None:
        table = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)
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
    layout: DataLayout, sources: list, run_date: str, batch_rows: int = BATCH_ROWS
) -> SilverResult:
    """`sources`: the SourceConfig objects (name, entity, date_formats, phone_region) of sources.yaml."""
    result = SilverResult()
    with ExitStack() as stack:
        stack.callback(forget)  # the night's remembered phones, names and addresses: not the next night's
        writers = {name: _Appender(stack, layout.silver(name, run_date)) for name in (*ENTITIES, PERSON)}
        for source in sources:
            entity = ENTITIES[source.entity]
            region = getattr(source, "phone_region", "CN") or "CN"
            formats = list(getattr(source, "date_formats", []) or [])
            for bronze in bronze_batches(layout.bronze(source.name, run_date), batch_rows):
                silver = standardise(
                    bronze, entity, formats, region, getattr(source, "serial_dates", True),
                    getattr(source, "values", None),
                )  # fmt: skip
                writers[entity.name].write(silver)
                writers[PERSON].write(
                    build_person_records(
                        bronze, entity.name, source.name, region=region, date_formats=formats
                    )
                )
                result.rows_by_source[source.name] = result.rows_by_source.get(source.name, 0) + len(silver)
    for name, writer in writers.items():
        if writer.out is None:  # nothing this night: an empty file with the full schema
            empty = empty_persons() if name == PERSON else empty_silver(ENTITIES[name])
            write_parquet_atomic(empty, writer.path)
        result.paths[name] = writer.path
        if name == PERSON:
            result.persons = writer.rows
        else:
            result.rows[name] = writer.rows
    return result


def empty_persons() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="string") for c in ENTITIES["contact"].column_names})
    frame["_source"] = pd.Series(dtype="string")
    return build_person_records(frame, "contact", "none").iloc[0:0]
