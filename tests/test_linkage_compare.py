"""Blocking and comparison levels: Hanzi vs pinyin, Cantonese, swapped names, phones."""

import numpy as np
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


def _pair_levels(rows: list[dict], pairs: list[tuple[int, int]]) -> pd.DataFrame:
    """Levels of chosen pairs (not only blocked ones) of records built from `rows`."""
    records = encode_records(prepare_records(_persons(*rows)))
    left = np.array([a for a, _ in pairs], dtype=np.int64)
    right = np.array([b for _, b in pairs], dtype=np.int64)
    return pd.DataFrame(compare(records, load_linkage_config(), left, right))


def test_date_levels():
    dates = [
        "1990-01-02",
        "1990-01-02",
        "1990-01-03",
        "1990-10-02",
        "1990-02-01",
        "1991-11-12",
        None,
        "1990-1-2",
    ]
    levels = _pair_levels([{"birth_date": d} for d in dates], [(0, i) for i in range(1, 8)])
    # same; one digit typed wrong; two adjacent digits swapped; day and month swapped; different; missing;
    # different length (no Hamming distance)
    assert levels["g_birth_date"].tolist() == [2, 1, 1, 1, 0, -1, 0]


def test_fuzzy_levels_and_thresholds():
    rows = [
        {"address_norm": "12 main street", "postcode": "2600", "company": "acme"},
        {"address_norm": "12 main street", "postcode": "2601", "company": "acme"},
        {"address_norm": "12 main stret", "postcode": "2511", "company": "acne"},
        {"address_norm": "98 harbour road", "postcode": "7000"},
    ]
    levels = _pair_levels(rows, [(0, 1), (0, 2), (0, 3)])
    assert levels["g_address"].tolist() == [3, 2, 0]  # exact, jaro-winkler ≥ 0.9, below 0.75
    assert levels["g_postcode"].tolist() == [1, 0, 0]  # one edit is close; three are not
    assert levels["g_company"].tolist() == [2, 0, -1]  # 'acme' vs 'acne': jaro-winkler 0.88 < 0.9


def test_overlap_levels_and_the_rarest_shared_value():
    rows = [
        {"emails": ["a@q.com", "shared@q.com"]},
        {"emails": ["a@q.com", "shared@q.com"]},
        {"emails": ["shared@q.com"]},
        {"emails": ["b@q.com"]},
        {"emails": []},
    ]
    levels = _pair_levels(rows, [(0, 1), (0, 2), (0, 3), (0, 4)])
    assert levels["g_email"].tolist() == [1, 1, 0, -1]
    # a@q.com: 2 of the 4 records holding an e-mail; shared@q.com: 3 of 4. The pair counts the rarer one.
    assert levels["tf_email"].tolist()[:2] == [0.5, 0.75] and levels["tf_email"][2:].isna().all()


def test_pairs_compared_in_threads_give_the_columns_of_one_thread(monkeypatch):
    """An incremental night's closure compares a round's pairs a slice per thread (compare.PARALLEL_PAIRS):
    every column, level and term frequency, is the one a single call gives, in the same pair order."""
    import linkage.compare as compare_module
    from linkage.datasets import febrl_person_records

    config = load_linkage_config()
    persons, _ = febrl_person_records(3)
    records = encode_records(prepare_records(persons))
    pairs, _ = block(records, config)
    assert len(pairs.left) > 1_000
    one = compare(records, config, pairs.left, pairs.right, extra={"l": pairs.left})
    monkeypatch.setattr(compare_module, "PARALLEL_PAIRS", 100)
    records.cache.clear()
    for workers in (2, 3):
        threads = compare(records, config, pairs.left, pairs.right, extra={"l": pairs.left}, workers=workers)
        assert list(threads) == list(one)
        for name, column in one.items():
            assert np.array_equal(threads[name], column, equal_nan=column.dtype.kind == "f"), name
