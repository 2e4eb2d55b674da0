"""The state's encoding of its prepared records (linkage/stored_encoding.py) as two files: the vocabulary (one
string per code) and the codes (a row per record, in the prepared records' order: an int column per scalar
column, a list of ints per list column). Written whole every night (a few hundred milliseconds at 540k
records, against seconds to encode them), under the generation's names as the other state tables.

The vocabulary holds the records' values as strings: an erasure drops both files (drop_encoding), and the next
night encodes every record once.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from assets.link.state_parts import Part
from assets.parquet_files import open_parquet, write_parquet_atomic
from linkage.encode import EncodedRecords, ListColumn
from linkage.state import HASH_PRIME, value_hashes

VOCAB, CODES = "encoded_vocab", "encoded_records"
SOURCE = "source"
SCALAR, LIST = "scalar:", "list:"


def records_checksum(records: pd.DataFrame) -> str:
    """The prepared records' keys in their order, as one number: an encoding read back describes these rows."""
    with np.errstate(over="ignore"):
        keys = value_hashes(records["source"]) * HASH_PRIME + value_hashes(records["source_record_id"])
        return str(int((keys * (np.arange(len(keys), dtype=np.uint64) + np.uint64(1))).sum(dtype=np.uint64)))


def write_encoding(
    folder: Path, generation: str, encoding: EncodedRecords, records: pd.DataFrame
) -> dict[str, list[Part]]:
    """Both files under `generation`'s names (`encoding` of `records`); the parts model.json names them by."""
    vocab = pa.table({"value": pa.array(encoding.vocab, pa.string())})
    columns = {SOURCE: pa.array(encoding.source, pa.int32())}
    columns |= {
        SCALAR + name: pa.array(codes, pa.int32()) for name, codes in sorted(encoding.scalars.items())
    }
    for name, col in sorted(encoding.lists.items()):
        columns[LIST + name] = pa.ListArray.from_arrays(
            pa.array(col.offsets, pa.int32()), pa.array(col.codes, pa.int32())
        )
    parts = {}
    for name, table in ((VOCAB, vocab), (CODES, pa.table(columns))):
        file = f"{name}.{generation}.parquet"
        write_parquet_atomic(table, folder / file)
        parts[name] = [{"file": file, "rows": table.num_rows}]
    parts[CODES][0]["records"] = records_checksum(records)
    return parts


def read_encoding(
    folder: Path, parts: dict[str, list[Part]], records: pd.DataFrame | None
) -> EncodedRecords | None:
    """The stored encoding of `records` (the state's prepared records); None when the state names none, its
    files are gone (an erasure dropped them) or it describes other rows."""
    files = [folder / str(parts[name][0]["file"]) for name in (VOCAB, CODES) if name in parts]
    if len(files) != 2 or not all(f.exists() for f in files) or records is None:
        return None
    if parts[CODES][0].get("records") != records_checksum(records):
        return None
    vocab = open_parquet(files[0]).read().column("value").to_numpy(zero_copy_only=False)
    table = open_parquet(files[1]).read()
    scalars, lists = {}, {}
    for name in table.column_names:
        column = table.column(name).combine_chunks()
        if name.startswith(LIST):
            offsets = column.offsets.to_numpy().astype(np.int64)
            codes = column.values.to_numpy().astype(np.int64)[offsets[0] : offsets[-1]]
            lists[name.removeprefix(LIST)] = ListColumn(offsets - offsets[0], codes)
        elif name.startswith(SCALAR):
            scalars[name.removeprefix(SCALAR)] = column.to_numpy().astype(np.int64)
    source = table.column(SOURCE).to_numpy().astype(np.int64)
    return EncodedRecords(table.num_rows, source, np.asarray(vocab, dtype=object), scalars, lists)


def drop_encoding(folder: Path) -> None:
    """Remove the stored encoding's files from the state `folder` (the state without them is whole: its night
    encodes every record)."""
    for name in (VOCAB, CODES):
        for path in Path(folder).glob(f"{name}.*parquet"):
            path.unlink(missing_ok=True)
