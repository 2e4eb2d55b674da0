"""Parquet files of the data zones: written atomically, read through one door.

`write_parquet_atomic` / `open_parquet` / `read_parquet` (and `ParquetOut` for streams) are the only writers and
readers of zone files, so encryption at rest lives here. Without C360_ENCRYPTION_KEY files are plain pyarrow
Parquet, exactly as before. With it, files are written with DuckDB's Parquet encryption (the format dbt reads
with `encryption_config`), and each file is read by what it is: plain (`PAR1`), DuckDB-encrypted (`PARE`), or
the whole-file envelope of earlier versions — so a zone mixing old plain files and new encrypted ones reads.
"""

import base64
import glob
import json
from collections.abc import Callable, Collection
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from assets.privacy.encryption import (
    PARQUET_KEY_NAME,
    encryption_key,
    is_envelope,
    missing_key,
    open_envelope,
    parquet_scan,
    sql_string,
    wrong_key,
    zone_connection,
)
from assets.temp_area import temp_name
from linkage.pair_table import OrderedPairs

ENCRYPTED_FOOTER = b"PARE"  # Parquet's magic for a file with an encrypted footer
BATCH_ROWS = 65_536


def is_encrypted_parquet(path: Path) -> bool:
    """A Parquet file with an encrypted footer (its last four bytes are `PARE` instead of `PAR1`)."""
    with open(path, "rb") as fh:
        if fh.seek(0, 2) < 4:
            return False
        fh.seek(-4, 2)
        return fh.read(4) == ENCRYPTED_FOOTER


# DuckDB exposes no footer key/value metadata of an encrypted file, so a file's own schema metadata (raw files
# carry their landing file's sha256) travels in the name of an all-null column, present even with no rows.
_METADATA_COLUMN = "_c360_schema_metadata="
_TOOL_METADATA = (b"pandas", b"ARROW:schema")  # rebuilt by the reader, not the file's own


def _metadata_column(schema: pa.Schema) -> str | None:
    own = {k.decode(): v.decode() for k, v in (schema.metadata or {}).items() if k not in _TOOL_METADATA}
    return _METADATA_COLUMN + base64.urlsafe_b64encode(json.dumps(own).encode()).decode() if own else None


def _split_metadata(schema: pa.Schema) -> pa.Schema:
    """The schema without the metadata column, carrying the metadata it encodes."""
    for i, name in enumerate(schema.names):
        if name.startswith(_METADATA_COLUMN):
            own = json.loads(base64.urlsafe_b64decode(name[len(_METADATA_COLUMN) :]))
            return schema.remove(i).with_metadata(own)
    return schema


def encrypted_copy_sql(relation: str, target: Path, schema: pa.Schema) -> str:
    """`COPY relation TO target` as encrypted zstd Parquet (needs a `zone_connection` / `duckdb_connect` with the key)."""
    column = _metadata_column(schema)
    extra = f", NULL::BOOLEAN AS {quote_ident(column)}" if column else ""
    select = f"SELECT *{extra} FROM {relation}"
    return (
        f"COPY ({select}) TO {sql_string(str(target))} (FORMAT parquet, COMPRESSION zstd, "
        f"ENCRYPTION_CONFIG {{footer_key: {sql_string(PARQUET_KEY_NAME)}}})"
    )


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def encrypts() -> bool:
    """Whether zone files written now are encrypted: all of them, once the key is set."""
    return encryption_key() is not None


def write_parquet_atomic(
    frame: pd.DataFrame | pa.Table | OrderedPairs,
    path: Path,
    plain: Collection[str] = (),
    on_batch: Callable[[pa.Table], None] | None = None,
) -> Path:
    """Write under a temporary name beside `path`, then rename over it (atomic on one filesystem);
    encrypted when the key is set (`encrypts`). Rows in order not gathered (a night's pairs): written a
    batch at a time, a row group each, each batch handed to `on_batch` once written (not called for a
    file written otherwise). `plain`: columns whose values are (nearly) all distinct, written without a
    dictionary (pyarrow fills one per column chunk until it gives up: CPU for a larger file)."""
    write_parquet_staged(frame, path, plain, on_batch).replace(path)
    return path


def write_parquet_staged(
    frame: pd.DataFrame | pa.Table | OrderedPairs,
    path: Path,
    plain: Collection[str] = (),
    on_batch: Callable[[pa.Table], None] | None = None,
) -> Path:
    """write_parquet_atomic's file under its temporary name beside `path`, not yet renamed over it: the
    caller renames it (several files put in place once all are written) or removes it. A write that fails
    leaves no temporary file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_name(path)
    try:
        _write(frame, tmp, plain, on_batch)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def _write(
    frame: pd.DataFrame | pa.Table | OrderedPairs,
    tmp: Path,
    plain: Collection[str],
    on_batch: Callable[[pa.Table], None] | None,
) -> None:
    if isinstance(frame, OrderedPairs) and encrypts():
        frame = frame.to_table()
    if not encrypts():
        names = list(frame.columns) if isinstance(frame, pd.DataFrame) else frame.schema.names
        dictionary = [name for name in names if name not in plain] if set(plain) & set(names) else True
        if isinstance(frame, OrderedPairs):
            with pq.ParquetWriter(tmp, frame.schema, use_dictionary=dictionary) as writer:
                for batch in frame.batches():
                    writer.write_table(batch)
                    if on_batch is not None:
                        on_batch(batch)
        elif isinstance(frame, pa.Table):
            pq.write_table(frame, tmp, use_dictionary=dictionary)
        else:
            frame.to_parquet(tmp, index=False, use_dictionary=dictionary)
    else:
        table = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
        with zone_connection() as con:
            con.register("_c360_frame", table)
            con.execute(encrypted_copy_sql("_c360_frame", tmp, table.schema))


def _utc_connection() -> duckdb.DuckDBPyConnection:
    con = zone_connection()
    con.execute("SET TimeZone = 'UTC'")  # timestamps come back in UTC, as pyarrow reads them
    return con


class EncryptedParquetFile:
    """An encrypted zone file read through DuckDB, with the part of `pq.ParquetFile` the platform uses:
    `schema_arrow`, `metadata.num_rows`, `iter_batches(batch_size=, columns=)` (streaming), `read(columns=)`."""

    def __init__(self, path: Path):
        if encryption_key() is None:
            raise missing_key(path)
        self.path = Path(path)
        self._scan = parquet_scan(str(path), encrypted=True)
        with _utc_connection() as con:
            try:
                schema = con.execute(f"SELECT * FROM {self._scan} LIMIT 0").fetch_arrow_table().schema
            except duckdb.InvalidInputException as exc:
                if "AES tag" not in str(exc):
                    raise
                raise wrong_key(path) from None
            self.schema_arrow = _split_metadata(schema)
            rows = con.execute(f"SELECT count(*) FROM {self._scan}").fetchone()[0]
        self.metadata = SimpleNamespace(num_rows=int(rows))

    def _select(self, columns: list[str] | None) -> str:
        names = self.schema_arrow.names if columns is None else columns
        listed = ", ".join(quote_ident(c) for c in names) or "NULL AS _none"
        return f"SELECT {listed} FROM {self._scan}"

    def iter_batches(self, batch_size: int = BATCH_ROWS, columns: list[str] | None = None):
        with _utc_connection() as con:
            reader = con.execute(self._select(columns)).fetch_record_batch(batch_size)
            for batch in reader:
                yield batch.select(columns) if columns == [] else batch

    def read(self, columns: list[str] | None = None) -> pa.Table:
        with _utc_connection() as con:
            table = con.execute(self._select(columns)).fetch_arrow_table()
        table = table.replace_schema_metadata(self.schema_arrow.metadata)
        return table.select([]) if columns == [] else table


def open_parquet(path: Path) -> pq.ParquetFile | EncryptedParquetFile:
    """A zone file for streaming reads (`iter_batches`, footer metadata) without loading it whole."""
    path = Path(path)
    if is_encrypted_parquet(path):
        return EncryptedParquetFile(path)
    with open(path, "rb") as fh:
        head = fh.read(8)
    if is_envelope(head):
        return pq.ParquetFile(pa.BufferReader(open_envelope(path.read_bytes())))
    return pq.ParquetFile(path)


def read_parquet(path: Path, columns: list[str] | None = None) -> pd.DataFrame:
    """A whole zone file as a DataFrame."""
    return open_parquet(path).read(columns=columns).to_pandas()


def zone_relation(pattern: str | Path, options: str = "") -> str | None:
    """SQL relation over the zone files matching a glob for a `zone_connection`, plain and encrypted
    files alike (a zone holds both for a while after the key is set); None when no file matches.
    `options`: extra read_parquet arguments, e.g. `union_by_name = true`."""
    files = sorted(glob.glob(str(pattern)))
    if not files:
        return None
    encrypted = [f for f in files if is_encrypted_parquet(Path(f))]
    plain = [f for f in files if f not in set(encrypted)]
    scans = [
        parquet_scan(group, options, encrypted=flag)
        for group, flag in ((plain, False), (encrypted, True))
        if group
    ]
    return (
        scans[0]
        if len(scans) == 1
        else f"(SELECT * FROM {scans[0]} UNION ALL BY NAME SELECT * FROM {scans[1]})"
    )


def encrypt_zone_file(path: Path) -> bool:
    """Rewrite one plain (or envelope) zone file encrypted; False when it already is, or no key is set."""
    if not encrypts() or is_encrypted_parquet(path):
        return False
    write_parquet_atomic(open_parquet(path).read(), path)
    return True
