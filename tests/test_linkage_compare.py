"""Blocking and comparison levels: Hanzi vs pinyin, Cantonese, swapped names, phones."""

import pandas as pd

from linkage.blocking import block
from linkage.compare import compare
from linkage.config import load_linkage_config
from linkage.encode import encode_records
from linkage.prepare import prepare_records


def _levels(persons: pd.DataFrame) -> pd.DataFrame:
    config = load_linkage_config()
    records = encode_records(prepare_records(persons))
    pairs, stats = block(records, config)
    out = pd.DataFrame(
        compare(records, config, pairs.left, pairs.right, extra={"l": pairs.left, "r": pairs.right})
    )
    out.attrs["stats"] = stats
    return out


def _persons(*rows: dict) -> pd.DataFrame:
    base = {"emails": [], "phones": []}
    return pd.DataFrame(
        [{**base, "source": "s", "source_record_id": str(i), **r} for i, r in enumerate(rows)]
    )


def test_hanzi_matches_its_pinyin_and_cantonese():
    levels = _levels(
        _persons(
            {"family_name": "张", "given_name": "伟"},
            {"family_name": "zhang", "given_name": "wei"},
            {"family_name": "陈", "given_name": "志强"},
            {"family_name": "chan", "given_name": "chi keung"},  # Hong Kong romanisation of 陳志強
            {"family_name": "chen", "given_name": "chih chiang"},  # Wade-Giles (Taiwan)
        )
    )
    pairs = {(r.l, r.r): r for r in levels.itertuples()}
    assert (0, 1) in pairs and pairs[(0, 1)].g_family_name == 3 and pairs[(0, 1)].g_given_name == 3
    assert pairs[(2, 3)].g_family_name == 3 and pairs[(2, 3)].g_given_name == 3
    assert pairs[(2, 4)].g_family_name == 3 and pairs[(2, 4)].g_given_name == 3
    assert levels.attrs["stats"].pairs_by_rule["name"] >= 3


def test_swapped_names_and_phone_levels():
    levels = _levels(
        _persons(
            {"family_name": "smith", "given_name": "john", "phones": ["+14155550100"]},
            {"family_name": "john", "given_name": "smith", "phones": ["+864155550100"]},  # boxes swapped
            {
                "family_name": "smith",
                "given_name": "jon",
                "phones": ["+14155550100"],
                "birth_date": "1990-01-02",
            },
        )
    )
    pairs = {(r.l, r.r): r for r in levels.itertuples()}
    assert pairs[(0, 1)].g_given_name == 3 and pairs[(0, 1)].g_family_name == 3
    assert pairs[(0, 1)].g_phone == 1  # same last 8 digits, different country code
    assert pairs[(0, 2)].g_phone == 2 and pairs[(0, 2)].g_given_name in (1, 2)
    assert pairs[(0, 2)].g_birth_date == -1  # missing on one side: no evidence either way
