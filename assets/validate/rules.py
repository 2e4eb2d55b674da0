"""Row checks beyond the pandera schema, on Arrow batches: bad cells (NUL bytes, spreadsheet error values),
the rules of sources.yaml (conditional `required`, formats, bounds, lengths, allowed values, checks on
unmapped columns in `_extra`) and the order cross-field rule (amount ≈ quantity × unit_price).

Every check is vectorised: Arrow compute on whole columns, or a pandas predicate on a column's distinct values
broadcast back with `is_in`. The result is one failure row per (row, column, check) with the raw value and a
sentence; validate.py quarantines those rows.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from assets.ingest.config import SourceConfig
from assets.ingest.rules import ColumnRule, date_bound
from assets.partitions import TIMEZONE
from assets.scratch_duckdb import scratch_cursor
from linkage.standardise.dates import parse_datetimes, to_integer, to_number

FAILURE_COLUMNS = ["index", "column", "check", "raw_value", "reason"]
# What Excel and Google Sheets show instead of a value when a formula fails.
SPREADSHEET_ERRORS = ("#REF!", "#N/A", "#VALUE!", "#DIV/0!", "#NAME?", "#NULL!", "#NUM!", "#SPILL!", "#CALC!", "#GETTING_DATA")  # fmt: skip
_EXTRA_ERROR = '":"(' + "|".join(e.replace("?", r"\?").replace("/", "/") for e in SPREADSHEET_ERRORS) + ')"'
_EMAIL = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
_PHONE_CHARS = r"^\+?[\d\s\-().]+$"

REASONS = {
    "nul_byte": "contains a NUL byte (corrupt export)",
    "spreadsheet_error": "a spreadsheet error value, not data",
    "duplicate_row": "exact copy of an earlier row of the file",
    "duplicate_json_key": "a key appears twice in one JSON object",
}
AMOUNT_CHECK = "amount_matches_quantity_times_price"


def today_local() -> dt.date:
    return dt.datetime.now(ZoneInfo(TIMEZONE)).date()


def no_failures() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="int64" if c == "index" else "object") for c in FAILURE_COLUMNS})


def _failures(table_values: pa.Array, hit: np.ndarray, column: str, check: str, reason: str) -> pd.DataFrame:
    rows = np.flatnonzero(hit)
    raw = table_values.take(pa.array(rows, pa.int64())).to_pylist() if len(rows) else []
    return pd.DataFrame({"index": rows, "column": column, "check": check, "raw_value": raw, "reason": reason})


def _column(table: pa.Table, name: str) -> pa.Array:
    col = table.column(name)
    col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    return col if col.type == pa.string() else pc.cast(col, pa.string())


def _mask(values) -> np.ndarray:
    return np.asarray(pc.fill_null(values, False).to_numpy(zero_copy_only=False), dtype=bool)


def _present(values: pa.Array) -> np.ndarray:
    present = pc.and_(pc.greater(pc.utf8_length(values), 0), pc.invert(pc.utf8_is_space(values)))
    return _mask(present)


def _failing(values: pa.Array, ok: Callable[[pd.Series], pd.Series]) -> np.ndarray:
    """Rows whose non-blank value fails `ok` (evaluated once per distinct value)."""
    distinct = pc.unique(values)
    distinct = distinct.filter(pa.array(_present(distinct)))
    if len(distinct) == 0:
        return np.zeros(len(values), dtype=bool)
    series = pd.Series(distinct.to_pylist(), dtype="string")
    good = ok(series).to_numpy(dtype=bool, na_value=False)
    bad = distinct.filter(pa.array(~good))
    if len(bad) == 0:
        return np.zeros(len(values), dtype=bool)
    return _mask(pc.is_in(values, value_set=bad))


# ---------------------------------------------------------------- bad cells
def _may_contain(values: pa.Array, needle: bytes) -> bool:
    """False when `needle` is nowhere in the column's value buffer (one memchr-speed scan, no per-value work);
    True means: look value by value."""
    if values.type != pa.string():
        return True
    data = values.buffers()[2]
    return data is not None and needle in data.to_pybytes()


def cell_faults(table: pa.Table, columns: list[str]) -> list[pd.DataFrame]:
    """NUL bytes and spreadsheet error values (`#REF!`, `#N/A`…) in `columns` and in `_extra`."""
    out = []
    for name in columns:
        if name not in table.column_names:
            continue
        values = _column(table, name)
        nul = sheet = None
        if name == "_extra":
            if _may_contain(values, b"\\u0000"):
                nul = _mask(pc.match_substring(values, "\\u0000"))
            if _may_contain(values, b'":"#'):
                sheet = _mask(pc.match_substring_regex(values, _EXTRA_ERROR))
        else:
            if _may_contain(values, b"\x00"):
                nul = _mask(pc.match_substring(values, "\x00"))
            if _may_contain(values, b"#"):
                sheet = _mask(
                    pc.is_in(pc.utf8_trim_whitespace(values), value_set=pa.array(SPREADSHEET_ERRORS))
                )
        if nul is not None and nul.any():
            out.append(_failures(values, nul, name, "nul_byte", REASONS["nul_byte"]))
        if sheet is not None and sheet.any():
            out.append(_failures(values, sheet, name, "spreadsheet_error", REASONS["spreadsheet_error"]))
    return out


# ---------------------------------------------------------------- sources.yaml rules
def _kind(cfg: SourceConfig, column: str, rule: ColumnRule) -> str:
    if rule.format:
        return rule.format
    names = cfg.entity_def.column_names
    return cfg.entity_def.column(column).kind if column in names else "text"


def _dates(series: pd.Series, cfg: SourceConfig) -> pd.Series:
    return parse_datetimes(series, cfg.date_formats, excel_serials=cfg.serial_dates)


def _value_checks(
    cfg: SourceConfig, column: str, rule: ColumnRule, values: pa.Array, today: dt.date
) -> list[pd.DataFrame]:
    out: list[pd.DataFrame] = []
    kind = _kind(cfg, column, rule)

    def add(check: str, reason: str, ok: Callable[[pd.Series], pd.Series]) -> None:
        hit = _failing(values, ok)
        if hit.any():
            out.append(_failures(values, hit, column, check, reason))

    if rule.format == "email":
        add("format_email", "not an email address", lambda s: s.str.strip().str.match(_EMAIL))
    elif rule.format == "phone":
        digits = lambda s: s.str.count(r"\d")  # noqa: E731
        add(
            "format_phone",
            "not a phone number (7–15 digits)",
            lambda s: s.str.strip().str.match(_PHONE_CHARS) & digits(s).between(7, 15),
        )
    elif rule.format == "date":
        add("format_date", "not a date", lambda s: _dates(s, cfg).notna())
    elif rule.format in ("number", "integer"):
        parse = to_number if rule.format == "number" else to_integer
        add(f"format_{rule.format}", f"not a {'number' if rule.format == 'number' else 'whole number'}",
            lambda s: parse(s).notna())  # fmt: skip
    for bound, above in (("min", False), ("max", True)):
        limit = getattr(rule, bound)
        if limit is None:
            continue
        if isinstance(limit, str) or kind in ("date", "datetime"):
            day = date_bound(str(limit), today)
            words = f"{'after' if above else 'before'} {day.isoformat()}" + (
                f" ({limit})" if str(limit).startswith("today") else ""
            )

            def within(s: pd.Series, day=day, above=above) -> pd.Series:
                d = _dates(s, cfg).dt.date
                return (d <= day if above else d >= day) | d.isna()  # unparseable: the date check's job

            add(bound, words, within)
        else:
            words = f"{'above' if above else 'below'} {limit:g}"
            add(bound, words, lambda s, lim=limit, up=above: _unknown_or(to_number(s), lambda n: n <= lim if up else n >= lim))  # fmt: skip
    if rule.greater_than is not None:
        gt = rule.greater_than
        add(
            "greater_than",
            f"must be greater than {gt:g}",
            lambda s: _unknown_or(to_number(s), lambda n: n > gt),
        )
    if rule.max_length is not None:
        n = rule.max_length
        add("max_length", f"longer than {n} characters", lambda s: s.str.len() <= n)
    if rule.allowed is not None:
        allowed = {a.strip().casefold() for a in rule.allowed}
        shown = ", ".join(rule.allowed[:8]) + ("…" if len(rule.allowed) > 8 else "")
        add("allowed_values", f"not one of: {shown}", lambda s: s.str.strip().str.casefold().isin(allowed))
    return out


def _unknown_or(numbers: pd.Series, ok: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """`ok` where the value is a number; a non-number passes here (the `numeric` check reports it)."""
    return numbers.isna() | ok(numbers).fillna(False)


def _conditional_required(
    table: pa.Table, column: str, rule: ColumnRule, values: pa.Array
) -> pd.DataFrame | None:
    """Empty where it may not be: required, except on rows whose `unless` column holds a listed value."""
    empty = ~_present(values)
    if not empty.any():
        return None
    excused = np.zeros(len(values), dtype=bool)
    for other, allowed in rule.unless.items():
        if other in table.column_names:
            trimmed = pc.utf8_lower(pc.utf8_trim_whitespace(_column(table, other)))
            excused |= _mask(pc.is_in(trimmed, value_set=pa.array([a.strip().lower() for a in allowed])))
    hit = empty & ~excused
    if not hit.any():
        return None
    when = "; ".join(f"{c} is not one of {', '.join(v)}" for c, v in rule.unless.items())
    return _failures(values, hit, column, "not_empty", f"required value is empty ({when})")


def _extra_values(table: pa.Table, header: str) -> pa.Array:
    """The text of unmapped header `header` in every row's `_extra` (null when absent), parsed by DuckDB."""
    extra = pa.table({"e": _column(table, "_extra")})
    path = "$." + json.dumps(header)
    with scratch_cursor() as con:
        con.register("extra", extra)
        return (
            con.execute("select json_extract_string(e, ?) as v from extra", [path])
            .fetch_arrow_table()
            .column(0)
            .combine_chunks()
        )


def rule_faults(cfg: SourceConfig, table: pa.Table, today: dt.date | None = None) -> list[pd.DataFrame]:
    """Failures of the source's rules (entity defaults merged with `rules:`), `extra_rules:` and, for orders,
    the amount check."""
    today = today or today_local()
    out: list[pd.DataFrame] = []
    for column, rule in cfg.column_rules().items():
        if column not in table.column_names:
            continue
        values = _column(table, column)
        if rule.unless:
            missing = _conditional_required(table, column, rule, values)
            if missing is not None:
                out.append(missing)
        out += _value_checks(cfg, column, rule, values, today)
    if cfg.extra_rules and "_extra" in table.column_names:
        for header, rule in cfg.extra_rules.items():
            values = _extra_values(table, header)
            if rule.required:
                empty = ~_present(values)
                if empty.any():
                    out.append(_failures(values, empty, header, "not_empty", "required value is empty"))
            out += _value_checks(cfg, header, rule, values, today)
    amount = cfg.amount_rule()
    if amount is not None and {"amount", "quantity", "unit_price"} <= set(table.column_names):
        out += _amount_faults(table, amount.tolerance)
    return out


def _numbers(values: pa.Array) -> np.ndarray:
    """float64 per row (NaN where not a number, or a spreadsheet error), parsed once per distinct value."""
    values = pc.if_else(
        pc.starts_with(pc.utf8_trim_whitespace(values), "#"), pa.scalar(None, pa.string()), values
    )
    distinct = pc.unique(values)
    parsed = to_number(pd.Series(distinct.to_pylist(), dtype="string")).to_numpy(
        dtype="float64", na_value=np.nan
    )
    if len(distinct) == 0:
        return np.full(len(values), np.nan)
    at = pc.fill_null(pc.index_in(values, value_set=distinct), -1).to_numpy(zero_copy_only=False)
    return np.where(at >= 0, parsed[np.maximum(at, 0)], np.nan)


def _amount_faults(table: pa.Table, tolerance: float) -> list[pd.DataFrame]:
    amount, qty, price = (_column(table, c) for c in ("amount", "quantity", "unit_price"))
    a, q, p = _numbers(amount), _numbers(qty), _numbers(price)
    known = ~(np.isnan(a) | np.isnan(q) | np.isnan(p))  # a missing or non-numeric part is another check's job
    hit = known & (np.abs(a - q * p) > tolerance + 1e-9)
    if not hit.any():
        return []
    failures = _failures(amount, hit, "amount", AMOUNT_CHECK, "")
    expected = (q * p)[hit]
    failures["reason"] = [
        f"amount is not quantity × unit_price ({e:.2f}) within {tolerance:g}" for e in expected
    ]
    return [failures]
