"""Country columns as systems fill them: ISO 3166's own names ('Taiwan, Province of China', 'Korea, Republic of'),
the country's name in its own or another language (Deutschland, 대한민국, 台灣, 中華民國), abbreviations with
dots (R.O.C., P.R.China). Each is its ISO code, so the row's national phone numbers are read in that country."""

import pandas as pd
import pytest

from linkage.records import build_person_records
from linkage.standardise import normalise_country


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("Taiwan, Province of China", "TW"),
        ("R.O.C.", "TW"),
        ("中華民國", "TW"),
        ("台灣", "TW"),
        ("Korea, Republic of", "KR"),
        ("대한민국", "KR"),
        ("韓国", "KR"),
        ("HKSAR", "HK"),
        ("Hong Kong SAR China", "HK"),
        ("P.R.China", "CN"),
        ("Deutschland", "DE"),
        ("España", "ES"),
        ("Espana", "ES"),
        ("Việt Nam", "VN"),
        ("United Arab Emirates", "AE"),
        ("IN", "IN"),
        ("中国", "CN"),
        ("Atlantis", "ATLANTIS"),  # no language names it: kept as written, upper-cased
    ],
)
def test_country_names_in_any_form(raw, code):
    assert normalise_country(pd.Series([raw], dtype="string")).iloc[0] == code


def test_numbers_are_read_in_the_country_as_named():
    frame = pd.DataFrame(
        {
            "source_record_id": ["a", "b"],
            "full_name": ["陳怡君", "김민준"],
            "phone_mobile": ["0912-345-678", "010-2345-6789"],
            "country": ["Taiwan, Province of China", "대한민국"],
        }
    )
    persons = build_person_records(frame, "contact", "crm", region="CN").set_index("source_record_id")
    assert persons.loc["a", "phones"] == ["+886912345678"]
    assert persons.loc["b", "phones"] == ["+821023456789"]
