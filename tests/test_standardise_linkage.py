"""Standardisers of linkage/standardise: each kind of value real exports bring."""

import pandas as pd
import pytest

from linkage.standardise import (
    normalise_address,
    normalise_birth_date,
    normalise_company,
    normalise_country,
    normalise_email,
    normalise_gender,
    normalise_name,
    normalise_phone,
    normalise_place,
    normalise_postcode,
    normalise_text,
    phone_type,
    pinyin_name,
    romanised_key,
    split_names,
)


def one(fn, value, *args):
    return fn(pd.Series([value], dtype="string"), *args).iloc[0]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  John.Doe+news@GoogleMail.com ", "johndoe@gmail.com"),
        ("Foo.Bar@Corp.CN", "foo.bar@corp.cn"),  # dots only matter outside gmail
        ("ａｂｃ＠ｑｑ。ｃｏｍ", "abc@qq.com"),  # full-width, Chinese full stop
        ("mailto:<li.lei@163.com>", "li.lei@163.com"),
        ("test@test.com", None),
        ("none@example.com", None),
        ("not an email", None),
        ("", None),
    ],
)
def test_email(raw, expected):
    got = one(normalise_email, raw)
    assert (got if pd.notna(got) else None) == expected


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+86 138-1234-5678", "CN", "+8613812345678"),
        ("0086 139 1234 5678", "CN", "+8613912345678"),
        ("86 13712345678", "CN", "+8613712345678"),
        ("13812345678.0", "CN", "+8613812345678"),  # a spreadsheet's float
        ("(010) 1234-5678", "CN", "+861012345678"),  # Beijing landline
        ("１３８１２３４５６７８", "CN", "+8613812345678"),
        ("9123 4567", "HK", "+85291234567"),
        ("13800000000", "CN", None),
        ("13800138000", "CN", None),
        ("12345", "CN", None),
        ("无", "CN", None),
    ],
)
def test_phone(raw, region, expected):
    got = one(normalise_phone, raw, region)
    assert (got if pd.notna(got) else None) == expected


def test_phone_type():
    assert phone_type(pd.Series(["+8613812345678", "+861012345678", None])).tolist()[:2] == [
        "mobile",
        "landline",
    ]


def test_names_split_and_fold():
    names = split_names(
        pd.Series(["張偉", "ZHANG Wei", "Wei Zhang", "欧阳娜娜", "Smith, John", "王先生", "N/A"])
    )
    assert names["full_name"].tolist()[:2] == ["张伟", "zhang wei"]
    assert names["family_name"].tolist()[:6] == ["张", "zhang", "zhang", "欧阳", "smith", "王"]
    assert names["name_script"].tolist()[:2] == ["hanzi", "latin"]
    assert names.iloc[6].isna().all()
    assert pinyin_name(names["family_name"], names["given_name"]).tolist()[:4] == [
        "zhang wei",
        "zhang wei",
        "zhang wei",
        "ouyang nana",
    ]


def test_romanisations_of_one_name():
    name = pd.Series(["陳志強"])
    assert romanised_key(name, "pinyin").iloc[0] == "chenzhiqiang"
    assert romanised_key(name, "cantonese").iloc[0] == "chanchikeung"
    assert romanised_key(name, "wade_giles").iloc[0] == "chenchihchiang"
    assert romanised_key(pd.Series(["曾"]), "pinyin", True).iloc[0] == "zeng"  # surname reading


def test_name_honorifics_and_accents():
    assert normalise_name(pd.Series(["Mr. José  Núñez", "李小姐"])).tolist() == ["jose nunez", "李"]


def test_company_suffixes():
    got = normalise_company(
        pd.Series(["华为技术有限公司", "Acme Co., Ltd.", "ACME Inc.", "腾讯科技(深圳)有限公司"])
    )
    assert got.tolist() == ["华为技术", "acme", "acme", "腾讯科技"]


def test_places_and_country():
    assert normalise_place(pd.Series(["香港", "Hong Kong SAR", "澳門"])).tolist() == ["hong kong"] * 2 + [
        "macau"
    ]
    assert normalise_place(pd.Series(["广东省", "北京市", "Shenzhen City", "廣州市"])).tolist() == [
        "广东",
        "北京",
        "shenzhen",
        "广州",
    ]
    assert normalise_country(pd.Series(["中国", "P.R. China", "Hong Kong", "Narnia"])).tolist() == [
        "CN",
        "CN",
        "HK",
        "NARNIA",
    ]
    assert normalise_postcode(pd.Series(["100 000", "2600.0", "000000"])).tolist()[:2] == ["100000", "2600"]
    assert normalise_address(pd.Series(["12 Main St."])).iloc[0] == "12 main street"


def test_dates_gender_junk():
    got = normalise_birth_date(
        pd.Series(["1990-01-02", "1990年1月2日", "19900102", "1900-01-01", "2999-01-01"])
    )
    assert got.tolist()[:3] == ["1990-01-02"] * 3
    assert got[3:].isna().all()
    assert normalise_gender(pd.Series(["男", "Female", "x"])).tolist()[:2] == ["M", "F"]
    written = ["女生", "남성", "여자", "Herr", "Frau", "Masculino", "Féminin", "weiblich"]
    assert normalise_gender(pd.Series(written)).tolist() == ["F", "M", "F", "M", "F", "M", "F", "F"]
    assert normalise_text(pd.Series(["未知", "N/A", "无", " VIP "])).tolist()[3] == "vip"
    assert normalise_text(pd.Series(["未知", "N/A", "无"])).isna().all()


def test_index_and_missing_preserved():
    s = pd.Series([None, "a@b.cn", "a@b.cn"], index=[7, 8, 9])
    out = normalise_email(s)
    assert out.index.tolist() == [7, 8, 9] and pd.isna(out[7]) and out[9] == "a@b.cn"
