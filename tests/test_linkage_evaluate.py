"""Pair and cluster precision / recall / F1."""

import pandas as pd
import pytest

from linkage.evaluate import evaluate_clusters, evaluate_pairs, pairs_from_clusters


def test_pairs():
    truth = pd.DataFrame({"a": ["1", "3"], "b": ["2", "4"]})
    predicted = pd.DataFrame({"a": ["2", "5"], "b": ["1", "6"]})  # order within a pair does not matter
    got = evaluate_pairs(predicted, truth)
    assert got["precision"] == 0.5 and got["recall"] == 0.5 and got["f1"] == 0.5


def test_clusters():
    truth = pd.Series({"a": 1, "b": 1, "c": 1, "d": 2})
    predicted = pd.Series({"a": "x", "b": "x", "c": "y", "d": "y"})
    got = evaluate_clusters(predicted, truth)
    assert got["precision"] == pytest.approx(0.5) and got["recall"] == pytest.approx(1 / 3)
    assert got["exact_clusters"] == 0.0
    assert len(pairs_from_clusters(truth)) == 3
