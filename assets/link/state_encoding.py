"""The state's encoding of its prepared records (linkage/stored_encoding.py) as parts beside the prepared
records' (assets/link/state_parts.py): the vocabulary (one string per code) and the codes (a row per record:
an int column per scalar column, a list of ints per list column), each codes part the encoding of one
prepared-records part, row for row. A night that writes its records as one more part writes their codes as
one more part and the values it added to the vocabulary as one more vocabulary part (the stored encoding
extended: its values keep their codes); a night that writes the records whole writes the encoding whole.

Each codes part names the prepared-records part it encodes by its file's name, size and modification time:
read back, the encoding describes the records only while each of them is still that file (a file rewritten
in place, e.g. by an erasure, leaves the state without its encoding). A state written before the parts held
one encoding of the whole record table, checked against the records' keys (records_checksum).

The vocabulary holds the records' values as strings: an erasure drops every encoding file (drop_encoding), and
the next night encodes every record once.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from assets.link.state_parts import Part
from assets.link.table_reads import read_table
from assets.parquet_files import open_parquet, write_parquet_atomic
from linkage.encode import EncodedRecords, ListColumn
from linkage.state import HASH_PRIME, value_hashes
from linkage.stored_encoding import columns_of, take_rows

VOCAB, CODES = "encoded_vocab", "encoded_records"
RECORDS = "prepared_records"
SOURCE = "source"
SCALAR, LIST = "scalar:", "list:"


def records_checksum(records: pd.DataFrame) -> str:
    """The prepared records' keys in their order, as one number: what a state written before the parts checks
    its one encoding by."""
    with np.errstate(over="ignore"):
        keys = value_hashes(records["source"]) * HASH_PRIME + value_hashes(records["source_record_id"])
        return str(int((keys * (np.arange(len(keys), dtype=np.uint64) + np.uint64(1))).sum(dtype=np.uint64)))


def file_identity(folder: Path, part: Part) -> str:
    """A prepared-records part as its codes part names it: file name, size and modification time (ns)."""
    stat = (Path(folder) / str(part["file"])).stat()
    return f"{part['file']}:{stat.st_size}:{stat.st_mtime_ns}"


def extends_stored(
    folder: Path, stored: dict[str, list[Part]], encoding: EncodedRecords, stored_vocab: np.ndarray | None
) -> bool:
    """Whether `encoding` extends the stored one (`stored`: the parts the state names now; `stored_vocab`: the
    vocabulary read back with it, None when none was): the stored values first, with their codes, and the same
    columns. Then the stored codes parts stay valid and a night writes only its own rows' codes."""
    if stored_vocab is None or VOCAB not in stored or CODES not in stored or RECORDS not in stored:
        return False
    if len(stored[CODES]) != len(stored[RECORDS]) or _rows(stored[VOCAB]) != len(stored_vocab):
        return False
    names = open_parquet(Path(folder) / str(stored[CODES][0]["file"])).schema_arrow.names
    scalars, lists = columns_of(encoding)
    return (
        sorted(names) == sorted([SOURCE, *(SCALAR + c for c in scalars), *(LIST + c for c in lists)])
        and len(encoding.vocab) >= len(stored_vocab)
        and np.array_equal(encoding.vocab[: len(stored_vocab)], stored_vocab)
    )


def write_encoding(
    folder: Path,
    generation: str,
    encoding: EncodedRecords,
    records: list[Part],
    stored: dict[str, list[Part]] | None = None,
    rows: np.ndarray | None = None,
) -> dict[str, list[Part]]:
    """The encoding's files under `generation`'s names, and the parts model.json names them by. `records`:
    the prepared-records parts `encoding` describes (its rows theirs, in record order). `rows` (of
    `encoding`): the rows of the last records part, which the night appended to the `stored` parts
    (extends_stored): only their codes and the vocabulary's new values are written; None: the whole encoding,
    of the one records part."""
    if rows is None or stored is None:
        vocab, codes = _write(folder, generation, encoding, encoding.vocab)
        return {
            VOCAB: [vocab] if vocab else [],
            CODES: [{**codes, "records": file_identity(folder, records[0])}],
        }
    old = stored[CODES]
    if len(old) == 1 and str(old[0].get("records", "")).isdigit():  # before parts: it encodes records part 0,
        old = [{**old[0], "records": file_identity(folder, records[0])}]  # checked when it was read
    vocab, codes = _write(
        folder, generation, take_rows(encoding, rows), encoding.vocab[_rows(stored[VOCAB]) :]
    )
    added = [vocab] if vocab else []
    return {
        VOCAB: [*stored[VOCAB], *added],
        CODES: [*old, {**codes, "records": file_identity(folder, records[-1])}],
    }


def _write(
    folder: Path, generation: str, encoding: EncodedRecords, vocab: np.ndarray
) -> tuple[Part | None, Part]:
    """The vocabulary values `vocab` (no file when there is none and the encoding has rows) and the codes of
    `encoding` as files: their parts."""
    columns = {SOURCE: pa.array(encoding.source, pa.int32())}
    columns |= {
        SCALAR + name: pa.array(codes, pa.int32()) for name, codes in sorted(encoding.scalars.items())
    }
    for name, col in sorted(encoding.lists.items()):
        columns[LIST + name] = pa.ListArray.from_arrays(
            pa.array(col.offsets, pa.int32()), pa.array(col.codes, pa.int32())
        )
    tables = {VOCAB: pa.table({"value": pa.array(vocab, pa.string())}), CODES: pa.table(columns)}
    parts: dict[str, Part | None] = {}
    for name, table in tables.items():
        file = f"{name}.{generation}.parquet"
        parts[name] = None
        if table.num_rows or name == CODES or not len(encoding.vocab):
            write_parquet_atomic(table, folder / file)
            parts[name] = {"file": file, "rows": table.num_rows}
    return parts[VOCAB], parts[CODES]  # type: ignore[return-value]


def _rows(parts: list[Part]) -> int:
    return sum(int(p["rows"]) for p in parts)  # type: ignore[call-overload]


def read_encoding(
    folder: Path, parts: dict[str, list[Part]], records: pd.DataFrame | None, origin: np.ndarray | None = None
) -> EncodedRecords | None:
    """The stored encoding of `records` (the state's prepared records, `origin`: the row of the records parts
    each comes from, state_parts.read_ordered_parts); None when the state names none, its files are gone (an
    erasure dropped them) or it describes other rows."""
    if VOCAB not in parts or CODES not in parts or records is None:
        return None
    files = [Path(folder) / str(p["file"]) for name in (VOCAB, CODES) for p in parts[name]]
    if not all(f.exists() for f in files):
        return None
    codes = parts[CODES]
    if len(codes) == 1 and str(codes[0].get("records", "")).isdigit():  # written before the parts
        if codes[0]["records"] != records_checksum(records):
            return None
        origin = None
    elif origin is None or [(p.get("records"), p["rows"]) for p in codes] != [
        (file_identity(folder, p), p["rows"]) for p in parts.get(RECORDS, [])
    ]:
        return None
    vocab = np.concatenate(
        [read_table(f).column("value").to_numpy(zero_copy_only=False) for f in files[: len(parts[VOCAB])]]
    )
    table = pa.concat_tables(read_table(f) for f in files[len(parts[VOCAB]) :])
    scalars, lists = {}, {}
    for name in table.column_names:
        column = table.column(name).combine_chunks()
        if name.startswith(LIST):
            offsets = column.offsets.to_numpy().astype(np.int64)
            values = column.values.to_numpy().astype(np.int64)[offsets[0] : offsets[-1]]
            lists[name.removeprefix(LIST)] = ListColumn(offsets - offsets[0], values)
        elif name.startswith(SCALAR):
            scalars[name.removeprefix(SCALAR)] = column.to_numpy().astype(np.int64)
    source = table.column(SOURCE).to_numpy().astype(np.int64)
    encoding = EncodedRecords(table.num_rows, source, np.asarray(vocab, dtype=object), scalars, lists)
    if origin is not None and len(codes) > 1:
        encoding = take_rows(encoding, origin)
    return encoding if encoding.n == len(records) else None


def drop_encoding(folder: Path) -> None:
    """Remove the stored encoding's files from the state `folder` (the state without them is whole: its night
    encodes every record)."""
    for name in (VOCAB, CODES):
        for path in Path(folder).glob(f"{name}.*parquet"):
            path.unlink(missing_ok=True)
