"""Incremental nights (linkage/incremental.py): the night's new records linked against the customer file with
the stored model give the same customer ids as a full rebuild; refits when due; erasures re-cluster."""

import numpy as np
import pandas as pd
import pytest

from assets.sample.person_records import sample_person_records
from linkage.config import load_linkage_config
from linkage.engine import link
from linkage.incremental import RefitNeeded, link_incremental
from linkage.state import LinkageState

KEYS = ["source", "source_record_id"]


@pytest.fixture(scope="module")
def config():
    return load_linkage_config()


@pytest.fixture(scope="module")
def nights(tmp_path_factory, config):
    """The sample (600 true customers): night 1 without 2% of its records, night 2 with all of them."""
    persons, _ = sample_person_records(tmp_path_factory.mktemp("sample"), customers=600, seed=5)
    late = np.random.default_rng(1).random(len(persons)) < 0.02
    night1 = persons[~late].reset_index(drop=True)
    first = link(night1, config, run_id="night-1")
    return persons, first


def _ids(xref: pd.DataFrame) -> pd.Series:
    return xref.set_index(KEYS)["customer_id"].sort_index()


@pytest.mark.xfail(
    strict=True,
    reason="known gap: the incremental path does not run the full engine's reference, contact-point and "
    "household stages (#12), so on the sample (orders keyed by CRM ids, contact-point-only rows) it links "
    "differently; incremental nights are therefore off by default (linkage.yaml incremental.enabled)",
)
def test_incremental_night_gives_the_ids_of_a_full_rebuild(nights, config):
    persons, first = nights
    full = link(persons, config, previous_xref=first.xref, run_id="night-2")
    night = link_incremental(persons, config, first.state, first.xref, first.pairs, run_id="night-2")
    assert not isinstance(night, RefitNeeded), night
    s = night.summary
    assert s["mode"] == "incremental" and 0 < s["new_or_changed_records"] < 0.05 * len(persons)
    assert s["relinked_records"] < 0.25 * len(persons)  # the untouched customers were not re-linked
    pd.testing.assert_series_equal(_ids(night.xref), _ids(full.xref))
    assert sorted(night.history["event"]) == sorted(full.history["event"])
    assert set(night.xref.columns) == set(full.xref.columns) and len(night.xref) == len(persons)
    # the state moves on: the next night compares with these records, same parameters
    assert night.state.nights_since_fit == 1 and len(night.state.digests) == len(persons)
    again = link_incremental(persons, config, night.state, night.xref, night.pairs, run_id="night-3")
    assert again.summary["new_or_changed_records"] == 0 and again.summary["relinked_records"] == 0
    pd.testing.assert_series_equal(_ids(again.xref), _ids(night.xref))


def test_erased_record_leaves_its_customer_and_the_rest_is_untouched(nights, config):
    persons, first = nights
    sizes = first.xref.groupby("customer_id").size()
    big = sizes[sizes >= 3].index[0]
    members = first.xref[first.xref["customer_id"] == big]
    erased = members.iloc[0]
    night1 = first.xref[KEYS].merge(persons, on=KEYS)  # night 1's own records
    kept = night1[
        ~((night1["source"] == erased["source"]) & (night1["source_record_id"] == erased["source_record_id"]))
    ]
    night = link_incremental(kept, config, first.state, first.xref, first.pairs, run_id="erasure")
    assert night.summary["removed_records"] == 1 and night.summary["new_or_changed_records"] == 0
    ids = _ids(night.xref)
    assert (erased["source"], erased["source_record_id"]) not in ids.index
    assert ids.loc[tuple(members.iloc[1][KEYS])] == big  # the rest of the customer keeps its id
    pd.testing.assert_series_equal(ids, _ids(first.xref).drop((erased["source"], erased["source_record_id"])))
    assert (
        not night.pairs["id_l"].eq(erased["source_record_id"]).any()
        or not (
            (night.pairs["source_l"] == erased["source"])
            & (night.pairs["id_l"] == erased["source_record_id"])
        ).any()
    )


def test_refit_when_due_or_the_config_changed(nights, config):
    persons, first = nights
    due = LinkageState(**{**first.state.__dict__, "nights_since_fit": config.incremental.refit_every_nights})
    assert "scheduled refit" in link_incremental(persons, config, due, first.xref, first.pairs).reason
    scoring = config.model_copy(
        update={"scoring": config.scoring.model_copy(update={"u_sample_pairs": 5000})}
    )
    assert "linkage.yaml changed" in link_incremental(persons, scoring, first.state, first.xref, None).reason
    # thresholds are applied to the stored parameters, no refit needed
    stricter = config.model_copy(update={"thresholds": config.thresholds.model_copy(update={"match": 0.9})})
    assert not isinstance(
        link_incremental(persons, stricter, first.state, first.xref, first.pairs), RefitNeeded
    )


def test_drift_of_the_nights_matches_forces_a_refit(nights, config):
    persons, first = nights
    skewed = {name: [0.0] * (len(s) - 1) + [1.0] for name, s in first.state.level_shares.items()}
    skewed["birth_date"] = [1.0] + [0.0] * (len(skewed["birth_date"]) - 1)  # fitted: matches never agreed
    state = LinkageState(**{**first.state.__dict__, "level_shares": skewed})
    strict = config.model_copy(
        update={"incremental": config.incremental.model_copy(update={"drift_min_pairs": 1})}
    )
    outcome = link_incremental(persons, strict, state, first.xref, first.pairs)
    assert isinstance(outcome, RefitNeeded) and "drift" in outcome.reason


def test_state_round_trips_through_json(nights):
    _, first = nights
    state = first.state
    back = LinkageState.from_json(state.to_json(), state.digests)
    assert back.config_digest == state.config_digest and back.parameters.prior == state.parameters.prior
    for name, m in state.parameters.m.items():
        assert np.allclose(back.parameters.m[name], m) and np.allclose(
            back.parameters.u[name], state.parameters.u[name]
        )
