"""`_extra` JSON built with Arrow compute: valid JSON, values verbatim, the same text DuckDB's to_json writes."""

from __future__ import annotations

import json

import duckdb
import pyarrow as pa

from assets.ingest.extra_json import extra_json

TRICKY = ['a"b', "back\\slash", "slash/x", "multi\nline", "cr\rx", "crlf\r\nx", "tab\tx", "bell\x07x", "unit\x1fsep",
          "del\x7fx", "中文", "emoji😀", None, "", "=1+1", "  spaced  ", "NA", "Null", "007", '{"json": 1}']  # fmt: skip


def _duckdb_to_json(table: pa.Table) -> list[str]:
    struct = pa.StructArray.from_arrays(
        [table.column(n).combine_chunks() for n in table.column_names], names=table.column_names
    )
    rows = pa.table({"s": struct})  # noqa: F841 (read by duckdb)
    return [r[0] for r in duckdb.sql("select to_json(s)::varchar from rows").fetchall()]


def test_values_round_trip_verbatim_and_match_duckdb_text():
    table = pa.table(
        {
            'Col "quoted"\n': pa.array(TRICKY, pa.string()),
            "客户等级": pa.array(list(reversed(TRICKY)), pa.string()),
            "all empty": pa.array([None] * len(TRICKY), pa.string()),
        }
    )
    got = extra_json(table, table.column_names).to_pylist()
    assert got == _duckdb_to_json(table)
    for row, text in enumerate(got):
        assert json.loads(text) == {name: table.column(name)[row].as_py() for name in table.column_names}


def test_clean_columns_and_no_unmapped_columns():
    table = pa.table({"Tier": ["Gold, VIP", "Silver"], "Region": ["华东", "EU"]})
    assert extra_json(table, ["Tier", "Region"]).to_pylist() == [
        '{"Tier":"Gold, VIP","Region":"华东"}',
        '{"Tier":"Silver","Region":"EU"}',
    ]
    assert extra_json(table, []).to_pylist() == ["{}", "{}"]
