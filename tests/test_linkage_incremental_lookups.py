"""linkage/incremental.py reads what it can from the night's own structures instead of looking every record
up by key (each record's row in last night's customer file, its entity, the pairs sharing an e-mail or
phone): these shortcuts give what the lookups give, and fall back to them when their premise fails."""

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from assets.link.io import read_state, write_state
from assets.sample.person_records import sample_person_records
from linkage.compare import compare, shared_values
from linkage.config import load_linkage_config
from linkage.contact_points import shared_in_pairs
from linkage.encode import dense_labels, encode_records
from linkage.engine import link
from linkage.incremental import RefitNeeded, _entities, _entity_by_source, link_incremental
from linkage.pair_table import record_index, rows_of
from linkage.prepare import prepare_records
from linkage.state import digest_table, value_hashes

KEYS = ["source", "source_record_id"]


@pytest.fixture(scope="module")
def config():
    return load_linkage_config()


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    persons, _ = sample_person_records(tmp_path_factory.mktemp("sample"), customers=300, seed=11)
    return persons


def _stored(state):
    with tempfile.TemporaryDirectory() as folder:
        write_state(Path(folder), state, {"silver/person/x.parquet": "1:1"})
        return read_state(Path(folder))[0]


def test_a_customer_file_in_another_order_than_the_stored_records_links_the_same(sample, config):
    """Each record's row in last night's customer file is read from the stored rows' order when the file
    holds the same records in the same order; a file in another order (its rows looked up by key) gives the
    same night."""
    late = np.random.default_rng(2).random(len(sample)) < 0.03
    first = link(sample[~late].reset_index(drop=True), config, run_id="night-1")
    state = _stored(first.state)
    shuffled = first.xref.sample(frac=1.0, random_state=4).reset_index(drop=True)
    nights = [
        link_incremental(sample, config, state, xref, first.pairs, run_id="night-2")
        for xref in (first.xref, shuffled)
    ]
    assert not any(isinstance(n, RefitNeeded) for n in nights)
    in_order, reordered = nights
    assert in_order.summary["new_or_changed_records"] == int(late.sum())
    pd.testing.assert_frame_equal(
        in_order.xref.drop(columns="linked_at"), reordered.xref.drop(columns="linked_at")
    )
    pd.testing.assert_frame_equal(
        in_order.pairs.reset_index(drop=True), reordered.pairs.reset_index(drop=True)
    )
    assert in_order.summary["relinked_records"] == reordered.summary["relinked_records"]


def test_rows_of_finds_each_key_once_and_misses_the_others():
    source = np.array(["crm", "crm", "shop", "web"], dtype=object)
    ids = np.array(["1", "2", "1", "7"], dtype=object)
    wanted = record_index(["shop", "crm", "web", "crm", "shop"], ["1", "2", "1", "9", "1"])
    assert rows_of(source, ids, wanted).tolist() == [2, 1, -1, -1, 2]


def test_entities_are_read_by_source_only_when_each_source_is_of_one_entity(sample):
    """A source whose records are of two entities is looked up record by record."""
    rec = prepare_records(sample)
    digests = digest_table(sample)
    digests["entity"] = np.where(digests["source"] == digests["source"].iloc[0], "order", "contact")
    keys = record_index(digests["source"], digests["source_record_id"])
    assert _entity_by_source(digests) is not None
    mixed = digests.copy()
    mixed.loc[mixed.index[0], "entity"] = "contact"  # one record of that source is a contact
    assert _entity_by_source(mixed) is None
    for table in (digests, mixed):
        lookup = pd.Series(table["entity"].to_numpy(), index=keys)
        expected = lookup.reindex(record_index(rec["source"], rec["source_record_id"])).fillna("contact")
        assert _entities(table, rec).tolist() == expected.tolist()


def test_pairs_sharing_a_value_are_found_among_the_top_level_ones_only(sample, config):
    """shared_in_pairs looks only among the pairs the overlap comparison put at its top level: the same
    (pair, value) as shared_values over every pair."""
    rec = prepare_records(sample)
    records = encode_records(rec, config.record_columns)
    rng = np.random.default_rng(0)
    left = rng.integers(0, records.n, 20_000)
    right = rng.integers(0, records.n, 20_000)
    # pairs of records holding the same e-mail or phone, so that some pairs share one
    for column in ("emails", "phones"):
        col = records.lists[column]
        owners = col.rids()
        order = np.argsort(col.codes, kind="stable")
        same = np.flatnonzero(col.codes[order][1:] == col.codes[order][:-1])
        left = np.r_[left, owners[order][same]]
        right = np.r_[right, owners[order][same + 1]]
    cmp = compare(records, config, left, right, extra={"l": left, "r": right})
    for column in ("emails", "phones"):
        pair, code = shared_values(records.lists[column], left, right)
        assert len(pair) > 100
        found = shared_in_pairs(records, cmp, config, column)
        assert np.array_equal(found[0], pair) and np.array_equal(found[1], code)


@pytest.mark.parametrize("values", [["li.na@qq.com", "王伟", "", "nan", "1.5"], ["li.na@qq.com", None, "x"]])
def test_distinct_values_hash_as_any_values(values):
    """A vocabulary's values (distinct) are hashed one by one: the hashes the stored term frequencies were
    written with, a missing value's too."""
    array = np.array(values, dtype=object)
    assert np.array_equal(value_hashes(array, distinct=True), value_hashes(array))


def test_dense_labels_rank_the_distinct_labels_as_np_unique():
    labels = np.array([7, 3, 3, 12, 0, 7, 1_000_003, 12])
    assert dense_labels(labels).tolist() == np.unique(labels, return_inverse=True)[1].tolist()
    assert dense_labels(labels - 5).tolist() == np.unique(labels, return_inverse=True)[1].tolist()
    assert dense_labels(np.zeros(0, dtype=np.int64)).tolist() == []
