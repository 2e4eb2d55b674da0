import pandas as pd
import pytest

from linkage.standardise.dates import parse_datetimes, to_integer, to_number, unparseable


def test_source_format_wins_over_fallbacks():
    # 03/04/2024 is 4 March in a Zoho (MM/dd/yyyy) export, not 3 April.
    parsed = parse_datetimes(pd.Series(["03/04/2024"]), ["%m/%d/%Y"])
    assert parsed[0] == pd.Timestamp("2024-03-04")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2024-03-15 10:20:30", "2024-03-15 10:20:30"),
        ("2024/3/5", "2024-03-05"),
        ("2024年3月5日", "2024-03-05"),
        ("20240305", "2024-03-05"),
        ("45366", "2024-03-15"),  # Excel serial date
        ("2024-03-15T02:00:00Z", "2024-03-15 10:00:00"),  # UTC → Asia/Shanghai wall clock
    ],
)
def test_common_export_forms(raw, expected):
    assert parse_datetimes(pd.Series([raw]))[0] == pd.Timestamp(expected)


def test_blank_and_garbage():
    values = pd.Series(["", "  ", None, "not a date", "2024-02-30"])
    assert parse_datetimes(values).isna().all()
    assert unparseable(values).tolist() == [False, False, False, True, True]


def test_numbers_as_exported():
    values = pd.Series(["1,234.50", "¥99", "(12.00)", "１２３", "abc", None])
    assert to_number(values).tolist()[:4] == [1234.5, 99.0, -12.0, 123.0]
    assert to_number(values)[4:].isna().all()
    assert to_integer(pd.Series(["10", "9.0", "9.5"])).tolist()[:2] == [10, 9]
    assert pd.isna(to_integer(pd.Series(["9.5"]))[0])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("民國85年6月30日", "1996-06-30"),  # Taiwan's Minguo (ROC) calendar: year + 1911
        ("民国 85 年 6 月 30 日", "1996-06-30"),
        ("民國85/06/30", "1996-06-30"),
        ("中華民國113年1月5日 14:30", "2024-01-05 14:30"),
    ],
)
def test_taiwan_minguo_dates(raw, expected):
    """A Taiwanese export's birth date in the ROC calendar parses (it was quarantined with its whole row)."""
    assert parse_datetimes(pd.Series([raw]))[0] == pd.Timestamp(expected)
    assert not unparseable(pd.Series([raw]))[0]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # wall-clock time as written when no offset says otherwise (was read as UTC and moved 8 hours)
        ("2024-03-15 10:20:30.123456", "2024-03-15 10:20:30.123456"),
        ("2024-03-15T10:20:30.5", "2024-03-15 10:20:30.5"),
        ("2024-03-15T10:20", "2024-03-15 10:20"),
        ("1985-06", "1985-06-01"),  # a year and month: no offset '-06'
        ("2024-03-15T02:20:30.000Z", "2024-03-15 10:20:30"),
        ("2024-03-14T21:20:30-05:00", "2024-03-15 10:20:30"),
        # month names: no doubt which number is the day
        ("Mar 15, 2024", "2024-03-15"),
        ("15 March 2024", "2024-03-15"),
        ("15-Mar-2024", "2024-03-15"),
        ("Fri Mar 15 2024", "2024-03-15"),
        ("15.03.2024", "2024-03-15"),  # dots: day first
        # 12-hour clocks
        ("2024/3/15 下午3:04", "2024-03-15 15:04"),
        ("2024-03-15 上午 12:30:05", "2024-03-15 00:30:05"),
        ("2024-03-15 晚上9:00", "2024-03-15 21:00"),
        ("2024-03-15 3:04 PM", "2024-03-15 15:04"),
        ("2024-03-15 12:04 a.m.", "2024-03-15 00:04"),
        # Unix time of event feeds, an instant: the platform's wall clock (Asia/Shanghai)
        ("1710469230", "2024-03-15 10:20:30"),
        ("1710469230000", "2024-03-15 10:20:30"),
    ],
)
def test_more_export_forms(raw, expected):
    assert parse_datetimes(pd.Series([raw]))[0] == pd.Timestamp(expected)
    assert not unparseable(pd.Series([raw]), excel_serials=False)[0]


def test_numbers_that_are_no_unix_time_stay_unparsed_without_serials():
    assert unparseable(pd.Series(["45366", "171046923", "17104692300"]), excel_serials=False).all()
