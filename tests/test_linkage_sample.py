"""The sample generator's delivery, through the real ingest: accuracy floor and its planted traps."""

from itertools import combinations
from pathlib import Path

import pandas as pd
import pytest

from assets.sample.person_records import sample_person_records
from linkage.config import load_linkage_config
from linkage.datasets import record_keys
from linkage.engine import link
from linkage.evaluate import evaluate_clusters


@pytest.fixture(scope="module")
def linked(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("sample")
    persons, truth = sample_person_records(workdir, customers=400, seed=11)
    result = link(persons, load_linkage_config())
    customers = pd.read_csv(Path(workdir) / "truth" / "customers.csv", dtype=str, keep_default_na=False)
    return result, truth, customers.set_index("true_customer_id")


def _assignments(result, truth) -> pd.DataFrame:
    predicted = pd.Series(result.xref["customer_id"].to_numpy(), index=record_keys(result.xref).to_numpy())
    true = pd.Series(truth["true_customer_id"].to_numpy(), index=record_keys(truth).to_numpy())
    both = predicted.index.intersection(true.index)
    return pd.DataFrame({"predicted": predicted[both], "true": true[both]})


def test_accuracy_floor(linked):
    """Over ALL person records (CRMs, orders keyed by CRM ids, surveys, enrichment, contact-point-only
    interaction and campaign rows). Floors sit just under the figures measured when written (precision
    1.0, recall 0.960, F1 0.980 at 400 customers, seed 11; before the sample held Hong Kong / Taiwanese /
    Japanese / Korean people, families on one landline and work mailboxes: recall 0.972, F1 0.986);
    bench/linkage.py measures 10k and 100k records. The recall not reached is the sample's honest residue:
    rows whose only identifier is a placeholder, a foreign number in national form with no country, a family's
    landline, or a value no other record of the person holds; and what the engine misses (a Japanese name in
    kanji beside its romaji, a work mailbox beside a private one)."""
    result, truth, _ = linked
    frame = _assignments(result, truth)
    assert len(frame) == len(truth)  # every true person record is in the customer file
    scores = evaluate_clusters(frame["predicted"], frame["true"])
    assert scores["precision"] >= 0.995 and scores["recall"] >= 0.955 and scores["f1"] >= 0.975, scores


def _merged(frame: pd.DataFrame, a: str, b: str) -> bool:
    ca = set(frame.loc[frame["true"] == a, "predicted"])
    cb = set(frame.loc[frame["true"] == b, "predicted"])
    return bool(ca & cb)


def test_shared_values_and_common_name_traps_stay_apart(linked):
    """Households (address, landline, sometimes one mailbox), families (a surname and a home landline),
    switchboard colleagues, role mailboxes and namesakes are different people. All customers take part, those sharing an e-mail included."""
    result, truth, customers = linked
    frame = _assignments(result, truth)
    traps = []
    for column in ("office_phone", "household", "family", "shared_email", "email"):
        for _, group in customers[customers[column] != ""].groupby(column):
            traps += list(combinations(group.index, 2))
    for _, group in customers[customers["name_script"] == "hanzi"].groupby("full_name"):
        traps += list(combinations(group.index, 2))
    kinds = {c: int((customers[c] != "").sum()) for c in ("household", "office_ext", "shared_email")}
    assert min(kinds.values()) >= 2 and len(traps) >= 20, kinds  # the generator planted each kind
    merged = [(a, b) for a, b in traps if _merged(frame, a, b)]
    assert not merged, merged


def test_orders_keyed_by_crm_ids_reach_the_crm_customer(linked):
    """Order rows carrying only a Salesforce / Zoho / Fxiaoke record id (some in the 15-character or bare
    numeric form) are attached to that CRM record's customer, with the evidence on the pair."""
    result, truth, _ = linked
    xref = result.xref.set_index(["source", "source_record_id"])["customer_id"]
    orders = truth[(truth["source"] == "orders") & ~truth["source_record_id"].str.startswith("M")]
    assert len(orders) >= 20
    ref_pairs = result.pairs[result.pairs["note"].str.startswith("reference: customer_ref = ")]
    assert set(orders["source_record_id"]) <= set(ref_pairs["id_l"]) | set(ref_pairs["id_r"])
    assert (ref_pairs["match_probability"] == 1.0).all() and (ref_pairs["decision"] == "match").all()
    crm = truth[truth["source"].isin(["salesforce", "zoho", "fxiaoke"])]
    crm = crm.assign(customer=[xref[k] for k in zip(crm["source"], crm["source_record_id"], strict=True)])
    home = crm.groupby("true_customer_id")["customer"].agg(set)
    for rid, true_id in zip(orders["source_record_id"], orders["true_customer_id"], strict=True):
        assert xref[("orders", rid)] in home[true_id], rid
    assert result.summary["reference_links"] >= len(orders)


def test_rows_without_identity_are_not_pooled(linked):
    """Interaction rows naming no person are records of their own (r:<file>:<line>); those carrying no
    usable identifier stay alone and are counted, instead of becoming one customer."""
    result, _, _ = linked
    rows = result.xref[result.xref["source_record_id"].str.startswith("r:")]
    assert len(rows) >= 30
    assert result.summary["unlinkable_records"] >= 3
    assert result.xref.groupby("customer_id").size().max() <= 40  # no pool of unrelated rows
    assert result.summary["contact_point_attached"] >= 50
