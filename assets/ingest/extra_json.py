"""The `_extra` column: unmapped vendor columns of each row as one JSON object, built with Arrow compute.

Vectorised string concatenation instead of a JSON encoder per row. The text is what DuckDB's `to_json` writes
for a struct of strings (compact, non-ASCII kept, the short escapes, other control characters as `\\u00XX`).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_SHORT_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"), ("\b", "\\b"), ("\f", "\\f"))  # fmt: skip
_OTHER_CONTROLS = [chr(c) for c in range(0x20) if chr(c) not in "\n\r\t\b\f"]
_HAS_OTHER_CONTROL = "[" + "".join(f"\\x{ord(c):02x}" for c in _OTHER_CONTROLS) + "]"
_NEEDS_ESCAPE = '[\\\\"\\x00-\\x1f]'


def json_escape(values: pa.Array) -> pa.Array:
    """String values escaped for the inside of a JSON string literal (nulls stay null)."""
    if not pc.any(pc.match_substring_regex(values, _NEEDS_ESCAPE)).as_py():
        return values  # the common case: one scan, no copy
    for raw, escaped in _SHORT_ESCAPES:
        values = pc.replace_substring(values, raw, escaped)
    if pc.any(pc.match_substring_regex(values, _HAS_OTHER_CONTROL)).as_py():  # rare: pay only when present
        for ch in _OTHER_CONTROLS:
            values = pc.replace_substring(values, ch, f"\\u{ord(ch):04X}")
    return values


def _quoted(text: str) -> str:
    return '"' + json_escape(pa.array([text], pa.string()))[0].as_py() + '"'


def extra_json(
    table: pa.Table, names: list[str], json_cells: dict[str, np.ndarray] | None = None
) -> pa.Array:
    """One JSON object per row of `table` holding the string columns `names` (`{}` when there are none).

    `json_cells`: per column, the cells whose text already is JSON (numbers, booleans, objects and arrays of
    a JSON source): written as they are, so numbers stay numbers and nested values stay JSON.
    """
    json_cells = json_cells or {}
    n = table.num_rows
    if not names or n == 0:
        return pa.repeat(pa.scalar("{}", pa.string()), n)
    # One join of literal pieces and escaped columns: '{"a":"' a '","b":' ("b" quoted, or null) '}'
    pieces: list[str | pa.Array] = []
    text = "{"
    for i, name in enumerate(names):
        text += ("," if i else "") + _quoted(name) + ":"
        values = json_escape(table.column(name).combine_chunks())
        if name in json_cells:  # quoted text, or the cell's JSON as it is
            raw = table.column(name).combine_chunks()
            quoted = pc.binary_join_element_wise('"', values, '"', "")
            mixed = pc.if_else(pa.array(json_cells[name]), raw, quoted)
            pieces += [text, pc.fill_null(mixed, "null")]
            text = ""
        elif values.null_count:
            pieces += [text, pc.fill_null(pc.binary_join_element_wise('"', values, '"', ""), "null")]
            text = ""
        else:
            pieces += [text + '"', values]
            text = '"'
    return pc.binary_join_element_wise(*pieces, text + "}", "")
