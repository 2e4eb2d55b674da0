"""Last night's linkage files read as Arrow tables in a thread beside the link step's own work.

Decoding Parquet releases the GIL, turning a table into pandas does not: while the link step converts one table
(last night's customer file, the stored state), the next ones are decoded on the second core, in the order the
step reads them (assets/link/prefetch.py start_table_reads). Each file is taken (`read_table`) only when it is
still the file decoded (assets/background.py), else read again in the step, as without this module.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from pathlib import Path

import pyarrow as pa

from assets import background
from assets.parquet_files import open_parquet

PREFIX = "link.table:"


def read_table(path: Path) -> pa.Table:
    """The Arrow table of the zone file `path`: decoded ahead when that is still the file, else now."""
    return background.take(PREFIX + str(path), partial(_read, Path(path)), [Path(path)])


def start_reads(paths: Iterable[Path]) -> None:
    """Decode `paths` one after the other in a thread of the run (nothing outside a run scope)."""
    work = [(PREFIX + str(path), partial(_read, Path(path)), [Path(path)]) for path in paths]
    background.start_in_order(work)


def discard_reads() -> None:
    """Free the tables decoded ahead that the step did not take (a night that turned out not to read them)."""
    background.discard_named(PREFIX)


def _read(path: Path) -> pa.Table:
    return open_parquet(path).read()
