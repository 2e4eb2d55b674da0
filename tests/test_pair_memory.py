"""The stages over every candidate pair without pair-sized temporaries (#14: ~12M pairs at 1M source rows) give
exactly what the whole-array formulas gave."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from linkage import compare
from linkage.cluster import guard_weights, unscored_pairs
from linkage.config import load_linkage_config
from linkage.encode import encode_records
from linkage.engine import decide
from linkage.prepare import prepare_records


@pytest.fixture
def records():
    rng = np.random.default_rng(3)
    mails = [f"m{i}@x.com" for i in range(30)]
    persons = pd.DataFrame(
        {
            "source": "crm",
            "source_record_id": [str(i) for i in range(200)],
            "full_name": "a b",
            "emails": [list(rng.choice(mails, size=rng.integers(0, 4))) for _ in range(200)],
            "phones": [[] for _ in range(200)],
        }
    )
    return encode_records(prepare_records(persons))


def test_shared_values_in_chunks_are_the_whole_arrays(records, monkeypatch):
    rng = np.random.default_rng(5)
    left, right = np.sort(rng.integers(0, 200, 5000)), rng.integers(0, 200, 5000)
    col = records.lists["emails"]
    monkeypatch.setattr(compare, "SHARED_CHUNK", 10**9)
    whole = compare.shared_values(col, left, right)
    monkeypatch.setattr(compare, "SHARED_CHUNK", 7)
    chunked = compare.shared_values(col, left, right)
    assert len(whole[0]) > 100
    for a, b in zip(whole, chunked, strict=True):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    empty = compare.shared_values(col, left[:0], right[:0])
    assert [len(v) for v in empty] == [0, 0]


def test_in_place_decisions_and_guard_weights_equal_the_formulas():
    rng = np.random.default_rng(7)
    weight = np.concatenate([rng.normal(0, 30, 10_000), [-5000.0, 5000.0, 0.0]])
    config = load_linkage_config()
    probability, decision = decide(weight.copy(), config)
    expected = 1.0 / (1.0 + np.exp2(-np.clip(weight, -1000, 1000)))
    np.testing.assert_array_equal(probability, expected)
    np.testing.assert_array_equal(
        decision,
        ((expected >= config.thresholds.review).astype(np.int8) + (expected >= config.thresholds.match)),
    )
    weights = {"a": rng.normal(0, 1, len(weight)), "b": rng.normal(1, 1, len(weight))}
    contradicts = (weights["a"] < 0) | (weights["b"] < 0)
    np.testing.assert_array_equal(
        guard_weights(weight, weights), np.where(contradicts, weight, np.maximum(weight, 0.0))
    )


def test_unscored_pairs_are_the_pairs_blocking_missed_inside_components():
    # one component 0-1-2-3 (chain of matches), pairs (0, 1), (1, 2), (2, 3) scored; (0, 2) scored, no match
    left, right = np.array([0, 0, 1, 2]), np.array([1, 2, 2, 3])
    is_match = np.array([True, False, True, True])
    a, b = unscored_pairs(5, left, right, is_match, max_size=10)
    assert sorted(zip(a.tolist(), b.tolist(), strict=True)) == [(0, 3), (1, 3)]
