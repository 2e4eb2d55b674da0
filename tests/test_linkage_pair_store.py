"""Pairs compared and scored in chunks (linkage/pair_store.py) give exactly what one chunk gives."""

import numpy as np
import pandas as pd
import pytest

import linkage.pair_store as pair_store
from assets.sample.person_records import sample_person_records
from linkage.blocking import block
from linkage.compare import compare
from linkage.config import load_linkage_config
from linkage.encode import encode_records
from linkage.engine import link
from linkage.prepare import prepare_records


@pytest.fixture(scope="module")
def persons(tmp_path_factory):
    return sample_person_records(tmp_path_factory.mktemp("sample"), customers=300, seed=11)[0]


def _decisions(pairs: pd.DataFrame) -> pd.DataFrame:
    """Steward labels on 120 scored pairs, a third of them 'different people': enough to correct the weights."""
    chosen = pairs.iloc[:: max(len(pairs) // 120, 1)][["source_l", "id_l", "source_r", "id_r"]].head(120)
    labels = np.where(np.arange(len(chosen)) % 3 == 0, "non_match", "match")
    return chosen.assign(label=labels).reset_index(drop=True)


@pytest.mark.parametrize("variant", ["default", "keep_non_match_pairs", "steward_labels", "supervised"])
def test_chunked_link_equals_one_chunk(persons, monkeypatch, variant):
    config = load_linkage_config()
    if variant == "keep_non_match_pairs":
        config = config.model_copy(update={"keep_non_match_pairs": True})
    kwargs = {}
    if variant == "supervised":
        config = config.model_copy(
            update={"scoring": config.scoring.model_copy(update={"method": "supervised"})}
        )
        kwargs["training_labels"] = persons[["source", "source_record_id"]].assign(
            entity_id=persons["entity"].astype(str)
        )
    whole = link(persons, config, **kwargs)
    if variant == "steward_labels":
        kwargs["decisions"] = _decisions(whole.pairs)
        whole = link(persons, config, **kwargs)
        assert whole.summary["steward"]["corrected"]
    monkeypatch.setattr(pair_store, "CHUNK_PAIRS", 97)  # many chunks, boundaries everywhere
    chunked = link(persons, config, **kwargs)
    assert whole.summary["candidate_pairs"] > 20 * 97
    for table in ("xref", "pairs", "review", "history"):
        pd.testing.assert_frame_equal(
            getattr(whole, table).drop(columns=["linked_at", "at"], errors="ignore"),
            getattr(chunked, table).drop(columns=["linked_at", "at"], errors="ignore"),
            check_exact=True,
        )
    drop = ("timings",)
    assert {k: v for k, v in whole.summary.items() if k not in drop} == {
        k: v for k, v in chunked.summary.items() if k not in drop
    }
    if whole.parameters is not None:
        assert whole.parameters.prior == chunked.parameters.prior
        for name, m in whole.parameters.m.items():
            np.testing.assert_array_equal(m, chunked.parameters.m[name])


def test_store_columns_are_what_compare_gives(persons):
    config = load_linkage_config()
    records = encode_records(prepare_records(persons), config.record_columns)
    pairs, _ = block(records, config)
    store = pair_store.compare_pairs(records, config, pairs, size=101)
    rows = np.sort(np.random.default_rng(3).choice(len(store), size=500, replace=False))
    for chosen in (rows, slice(150, 420)):
        direct = compare(records, config, pairs.left[chosen], pairs.right[chosen])
        got = store.columns(chosen)
        assert set(direct) <= set(got)
        for name, values in direct.items():
            np.testing.assert_array_equal(got[name], values, err_msg=name)
        np.testing.assert_array_equal(got["rules"], pairs.rules[chosen])
        np.testing.assert_array_equal(got["first_rule"], pairs.first_rule[chosen])
