"""Phones as real exports write them: switchboard extensions, foreign numbers without a country code read
by the record's own country (country column, address, number shape), the source's region as fallback."""

import pandas as pd
import pytest

from linkage.records import build_person_records, row_regions
from linkage.standardise import normalise_phone
from linkage.standardise.places import country_in_text


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("010-6552 8888 转 8021", "CN", "+861065528888"),  # switchboard + extension: the switchboard
        ("+86 21 5049 0000 ext. 312", "CN", "+862150490000"),
        ("021-5049 0000 分机12", "CN", "+862150490000"),
        ("021-50490000-312", "CN", "+862150490000"),  # an extension after a dash, tried last
        ("415-727-9325", "CN", "+14157279325"),  # North American shape in a CN-default source
        ("(212) 555-0142", "CN", "+12125550142"),
        ("415.727.9325", "CN", "+14157279325"),
        ("0151 26259351", "DE", "+4915126259351"),  # national form read in the record's own country
        ("07911 123456", "GB", "+447911123456"),
        ("138 1234 5678", "US", None),  # a Chinese mobile needs its +86 outside China
        ("13800138000", "CN", None),  # placeholder
        ("13888888888", "CN", None),
    ],
)
def test_phone_forms(raw, region, expected):
    got = normalise_phone(pd.Series([raw], dtype="string"), region).iloc[0]
    assert (got if pd.notna(got) else None) == expected


def test_phone_region_per_row():
    got = normalise_phone(pd.Series(["07911 123456", "07911 123456", None]), pd.Series(["GB", "CN", "GB"]))
    assert got.iloc[0] == "+447911123456" and str(got.iloc[1]) != "+447911123456" and pd.isna(got.iloc[2])


@pytest.mark.parametrize(
    ("address", "country"),
    [
        ("350 5th Ave, New York, USA", "US"),
        ("10 Downing St, London, United Kingdom", "GB"),
        ("5 Orchard Road, Singapore 238823", "SG"),
        ("英国伦敦牛津街1号", "GB"),
        ("上海市南京西路1号", None),
        ("Canada Square, London", None),  # a country name that is a street
        ("1 Main St, CA", None),  # California, not Canada: two letters are not enough
    ],
)
def test_country_in_address(address, country):
    assert country_in_text(address) == country


def test_row_regions_country_column_then_address_then_source_default():
    frame = pd.DataFrame(
        {
            "country": ["United States", None, None, "中国", "Narnia"],
            "address": [
                None,
                "10 Downing St, London, UK",
                "上海市南京西路1号",
                "1 Main St, New York, USA",
                None,
            ],
        }
    )
    assert row_regions(frame, "CN").tolist() == ["US", "GB", "CN", "CN", "CN"]


def test_person_records_read_foreign_numbers_by_the_rows_country():
    """A US customer's national number in a CN-default CRM: +1 by the country column, never +86."""
    frame = pd.DataFrame(
        {
            "source_record_id": ["a", "b", "c"],
            "full_name": ["Zoe Johnson", "Tom Brown", "王伟"],
            "phone_mobile": ["4157279325", "07911 123456", "13812345678"],
            "country": ["USA", None, "CN"],
            "address": [None, "1 High St, London, United Kingdom", None],
        }
    )
    persons = build_person_records(frame, "contact", "crm", region="CN").set_index("source_record_id")
    assert persons.loc["a", "phones"] == ["+14157279325"]
    assert persons.loc["b", "phones"] == ["+447911123456"]
    assert persons.loc["c", "phones"] == ["+8613812345678"]


def test_a_city_abroad_says_the_country():
    frame = pd.DataFrame({"city": ["Hong Kong", "香港特别行政区", "London", "多伦多", "上海", "Springfield"]})
    assert row_regions(frame, "CN").tolist() == ["HK", "HK", "GB", "CA", "CN", "CN"]


def _calls(numbers: list[str], **columns) -> pd.DataFrame:
    return pd.DataFrame({"customer_ref": [f"K{i}" for i in range(len(numbers))], "phone_mobile": numbers,
                         **columns})  # fmt: skip


def test_national_numbers_without_a_country_are_read_in_the_sources_countries():
    """A service desk logging callers from Hong Kong and London (some written with +852 / +44): a bare
    '9133 4209' is read as a Hong Kong mobile, '07215 231624' as a UK one; a Chinese mobile stays Chinese."""
    numbers = ["+852 9876 5432", "+852 6123 4567", "+44 7911 223344", "+44 7400 123456", "9133 4209",
               "07215 231624", "138 1234 5678"]  # fmt: skip
    records = build_person_records(_calls(numbers), "interaction", "desk").set_index("source_record_id")
    assert "+85291334209" in records.loc["K4", "phones"]
    assert "+447215231624" in records.loc["K5", "phones"]
    assert records.loc["K6", "phones"] == ["+8613812345678"]


def test_national_numbers_stay_unread_when_the_source_says_no_other_country():
    records = build_person_records(_calls(["9133 4209", "13812345678"]), "interaction", "desk")
    assert records.set_index("source_record_id").loc["K0", "phones"] == []


def test_a_row_stating_its_country_is_read_there_only():
    numbers = ["+852 9876 5432", "+852 6123 4567", "+65 9123 4567", "+65 8123 4567", "9133 4209"]
    frame = _calls(numbers, country=["", "", "", "", "SG"])
    records = build_person_records(frame, "interaction", "desk").set_index("source_record_id")
    assert records.loc["K4", "phones"] == ["+6591334209"]


def test_separators_do_not_change_how_a_number_is_read():
    # Numbers written with digits and separators only are parsed once per digit string: the same reading,
    # valid or not, as libphonenumber gives the written form, in every region.
    import itertools

    import phonenumbers

    from linkage.standardise.phone import _is_junk_digits, _parse_key, _reading

    def direct(text: str, region: str) -> str | None:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            return None
        if not phonenumbers.is_valid_number(number) or _is_junk_digits(str(number.national_number)):
            return None
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    digits = ["13812345678", "02150490000", "4157279325", "85291334209", "447215231624", "12", "0"]
    shapes = [
        lambda a, b: a + b, lambda a, b: f"+{a}{b}", lambda a, b: f"00{a}{b}", lambda a, b: f"({a}) {b}",
        lambda a, b: f"{a}-{b}", lambda a, b: f"{a}.{b}", lambda a, b: f"+ {a} ({b})", lambda a, b: f"{a}  -  {b}",
    ]  # fmt: skip
    written = {shape(n[: len(n) // 3], n[len(n) // 3 :]) for n in digits for shape in shapes}
    assert len({_parse_key(w) for w in written}) < len(written)
    for text, region in itertools.product(sorted(written), ["CN", "US", "HK", "GB"]):
        reading = _reading(_parse_key(text), region)
        assert (reading or None) == direct(text, region), (text, region)
