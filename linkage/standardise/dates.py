"""Parse the date strings of real exports: per-source formats first, then ISO 8601, Chinese (民國 years too) and
Excel serials."""

from __future__ import annotations

import os
import re

import numpy as np
import pandas as pd

# Common forms tried after a source's own formats, most specific first.
FALLBACK_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%d.%m.%Y",  # dots are day-first wherever they are written: 05.01.2023 is 5 January
    "%Y%m%d",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日",
    # month names leave no doubt which number is the day: Jan 5, 2023 / 5 Jan 2023 / 5-Jan-2023 / Thu Jan 05 2023
    "%b %d, %Y",
    "%B %d, %Y",
    "%b %d %Y",
    "%d %b %Y",
    "%d %B %Y",
    "%d-%b-%Y",
    "%d-%b-%y",
    "%a %b %d %Y",
    "%a %b %d %H:%M:%S %Y",
)
# Wall-clock zone that ISO 8601 values with an offset are converted to (the platform's daily partitions).
TIMEZONE = os.environ.get("C360_TIMEZONE", "Asia/Shanghai")
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_EXCEL_SERIAL = re.compile(r"^\d{4,5}(\.\d+)?$")
# Taiwan's Minguo (ROC) calendar, as Taiwanese exports write birth dates: 民國85年6月30日 is 1996-06-30 (year + 1911).
_MINGUO = re.compile(
    r"^(?:中華|中华)?民[國国]\s*(\d{1,3})\s*[年/.\-]\s*(\d{1,2})\s*[月/.\-]\s*(\d{1,2})\s*日?"
)


# A 12-hour time as Chinese exports write it, 2023/1/5 下午3:04 (afternoon), and English ones, 2023-01-05 3:04 PM.
_CHINESE_MERIDIEM = re.compile(r"\s*(上午|下午|中午|晚上)\s*(\d{1,2})(:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*$")
_MERIDIEM = re.compile(r"\s(\d{1,2})(:\d{2}(?::\d{2}(?:\.\d+)?)?)\s*([ap])\.?m\.?$", re.IGNORECASE)
# An offset or Z after an ISO 8601 time: the instant is converted to wall-clock time; without one it is wall-clock.
_ZONED = re.compile(r"\d:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$")
# Unix time, as event feeds write it: 10 digits of seconds or 13 of milliseconds (2001-09-09 .. 2286)
_UNIX_TIME = re.compile(r"^\d{10}(?:\d{3})?$")


def _hour24(hour: int, afternoon: bool) -> str:
    return f"{hour % 12 + (12 if afternoon else 0):02d}"


def _chinese_meridiem(match: re.Match[str]) -> str:
    period, hour, rest = match.groups()
    afternoon = period in ("下午", "晚上") or (period == "中午" and int(hour) < 11)
    return f" {_hour24(int(hour), afternoon)}{rest}"


def _meridiem(match: re.Match[str]) -> str:
    hour, rest, period = match.groups()
    return f" {_hour24(int(hour), period.lower() == 'p')}{rest}"


def _gregorian(match: re.Match[str]) -> str:
    year, month, day = (int(g) for g in match.groups())
    return f"{year + 1911:04d}-{month:02d}-{day:02d}"


def parse_datetimes(
    values: pd.Series, formats: list[str] | tuple[str, ...] = (), excel_serials: bool = True
) -> pd.Series:
    """Return datetime64[ns] values (NaT where nothing parses); `values` are the raw strings, left untouched.

    Each distinct value is parsed once: export columns repeat dates heavily.
    """
    text = values.astype("string")
    uniques = pd.Series(text.dropna().unique(), dtype="string")
    parsed = _parse_unique(uniques, tuple(formats), excel_serials)
    lookup = pd.Series(parsed.to_numpy(), index=uniques.to_numpy())
    result = text.map(lookup).astype("datetime64[ns]")
    result.index = values.index
    return result


def _parse_unique(raw: pd.Series, formats: tuple[str, ...], excel_serials: bool) -> pd.Series:
    """Each format is tried on the values no earlier one parsed. The bookkeeping is numpy (positions, a NaT
    mask): a night's small columns went through a dozen formats of pandas masks and `.loc` writes each."""
    text = raw.str.strip().str.replace(_MINGUO, _gregorian, regex=True)
    text = text.str.replace(_CHINESE_MERIDIEM, _chinese_meridiem, regex=True)
    text = text.str.replace(_MERIDIEM, _meridiem, regex=True)
    text = text.where(text != "")
    values = np.full(len(raw), np.datetime64("NaT"), dtype="datetime64[ns]")
    pending = text.notna().to_numpy(dtype=bool)
    for fmt in (*formats, *FALLBACK_FORMATS):
        at = np.flatnonzero(pending)
        if not len(at):
            break
        parsed = pd.to_datetime(text.iloc[at], format=fmt, errors="coerce").to_numpy(dtype="datetime64[ns]")
        values[at] = parsed
        pending[at] = np.isnat(parsed)
    zoned = text.str.contains(_ZONED).fillna(False).to_numpy(dtype=bool)
    at = np.flatnonzero(pending & zoned)
    if len(at):
        # ISO 8601 with an offset or Z: the instant as naive wall-clock time in the platform's timezone
        iso = pd.to_datetime(text.iloc[at], format="ISO8601", errors="coerce", utc=True)
        values[at] = iso.dt.tz_convert(TIMEZONE).dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")
    at = np.flatnonzero(pending & ~zoned)
    if len(at):
        # ISO 8601 without one (fractions, minutes only): wall-clock time as written
        values[at] = pd.to_datetime(text.iloc[at], format="ISO8601", errors="coerce").to_numpy(
            dtype="datetime64[ns]"
        )
    unix = text.fillna("").str.match(_UNIX_TIME).to_numpy(dtype=bool)
    at = np.flatnonzero(np.isnat(values) & unix)
    if len(at):
        digits = pd.to_numeric(text.iloc[at], errors="coerce")
        instant = pd.to_datetime(digits.where(digits < 1e10, digits // 1000), unit="s", utc=True)
        values[at] = instant.dt.tz_convert(TIMEZONE).dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")
    if excel_serials:
        serials = text.fillna("").str.match(_EXCEL_SERIAL).to_numpy(dtype=bool)
        at = np.flatnonzero(np.isnat(values) & serials)
        if len(at):
            serial = pd.to_numeric(text.iloc[at], errors="coerce")
            plausible = serial.between(1, 2958465)  # 1900-01-01 .. 9999-12-31
            days = pd.to_timedelta(serial.where(plausible), unit="D")
            values[at] = (_EXCEL_EPOCH + days).to_numpy(dtype="datetime64[ns]")
    return pd.Series(values, index=raw.index)


def unparseable(
    values: pd.Series, formats: list[str] | tuple[str, ...] = (), excel_serials: bool = True
) -> pd.Series:
    """True where a non-blank value does not parse as a date: what validation quarantines. Without
    `excel_serials` a bare number is not a date (a CSV's `45000` is not guessed as 2023-03-15)."""
    present = values.astype("string").str.strip().fillna("") != ""
    return present & parse_datetimes(values, formats, excel_serials).isna()


def to_number(values: pd.Series) -> pd.Series:
    """Amounts as exported: '1,234.50', '¥1,234.50', ' 99 ', '(12.00)' for negatives, full-width digits."""
    text = values.astype("string").str.normalize("NFKC").str.strip()
    negative = text.str.match(r"^\(.*\)$").fillna(False)
    cleaned = text.str.replace(r"[^\d.\-eE+]", "", regex=True).replace("", pd.NA)
    number = pd.to_numeric(cleaned, errors="coerce").astype("float64")
    return number.where(~negative.to_numpy(dtype=bool), -number.abs())


def to_integer(values: pd.Series) -> pd.Series:
    number = to_number(values)
    whole = number.where(np.isclose(number, number.round()))
    return whole.round().astype("Int64")
