"""An incremental night's closure (linkage/incremental.py) compares each candidate pair once, and its restricted
stages give what the whole-file computation gives."""

import numpy as np
import pandas as pd
import pytest

import linkage.incremental as incremental
from assets.sample.person_records import sample_person_records
from linkage.config import load_linkage_config
from linkage.engine import link
from linkage.incremental import RefitNeeded, link_incremental
from linkage.pair_table import OrderedPairs

KEYS = ["source", "source_record_id"]
PAIR = ["source_l", "id_l", "source_r", "id_r"]


@pytest.fixture(scope="module")
def config():
    return load_linkage_config()


@pytest.fixture(scope="module")
def nights(tmp_path_factory, config):
    """The sample (600 true customers): night 1 without 4% of its records, night 2 with all of them."""
    persons, _ = sample_person_records(tmp_path_factory.mktemp("sample"), customers=600, seed=5)
    late = np.random.default_rng(2).random(len(persons)) < 0.04
    first = link(persons[~late].reset_index(drop=True), config, run_id="night-1")
    return persons, first


def _matches(pairs) -> pd.DataFrame:
    """The match pairs (a review pair between a relinked customer and an untouched one is a full run's
    only: the night keeps the pairs inside its work and last night's outside it)."""
    table = pairs.to_table().to_pandas() if isinstance(pairs, OrderedPairs) else pairs
    return table[table["decision"] == "match"].sort_values(PAIR).reset_index(drop=True)


def test_the_closure_compares_each_pair_once_and_links_as_a_full_run(nights, config, monkeypatch):
    persons, first = nights
    compared: list[np.ndarray] = []
    plain = incremental.compare

    def counted(records, config, left, right, extra=None):
        compared.append(left.astype(np.int64) * records.n + right)
        return plain(records, config, left, right, extra=extra)

    monkeypatch.setattr(incremental, "compare", counted)
    night = link_incremental(persons, config, first.state, first.xref, first.pairs, run_id="night-2")
    assert not isinstance(night, RefitNeeded), night
    assert night.summary["closure_rounds"] >= 3  # rounds whose frontiers share pairs with earlier ones
    every = np.concatenate(compared)
    assert len(every) == len(np.unique(every)), "a pair was compared in two closure rounds"
    full = link(persons, config, previous_xref=first.xref, run_id="night-2", model=first.state)
    ids = [x.set_index(KEYS)["customer_id"].sort_index() for x in (night.xref, full.xref)]
    pd.testing.assert_series_equal(*ids)
    mine, theirs = _matches(night.pairs), _matches(full.pairs)
    pd.testing.assert_frame_equal(mine[[*PAIR, "note"]], theirs[[*PAIR, "note"]])
    np.testing.assert_allclose(mine["match_weight"], theirs["match_weight"])
