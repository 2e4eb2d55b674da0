"""Issue #12's targets on a delivery the sample generator did not write (tests/delivery_generator.py), through
the real ingest with a sources.yaml a user would write: F1 ≥ 0.97 on CRM contacts, ≥ 0.95 with survey and
enrichment, ≥ 0.87 over all seven person-bearing files; no cluster of more than 5 different people;
customers within 5% of the truth; orders and survey responses reach the same customers."""

import shutil

import pandas as pd
import pytest

from assets.ingest.config import load_sources_config
from assets.layout import REPO_ROOT, DataLayout
from assets.sample.person_records import delivered_person_records
from linkage.config import load_linkage_config
from linkage.datasets import KEY_SEP, record_keys
from linkage.engine import link
from linkage.evaluate import evaluate_clusters
from tests.delivery_generator import SOURCES_YAML, WHOLE_NAME_FIELDS, write_delivery

PEOPLE = 300
CRMS = ("salesforce", "zoho", "fxiaoke")
SEVEN = (*CRMS, "survey", "enrichment", "desk", "campaigns")


@pytest.fixture(scope="module")
def delivery(tmp_path_factory):
    root = tmp_path_factory.mktemp("unseen")
    config = root / "config"
    shutil.copytree(REPO_ROOT / "config", config)
    (config / "sources.yaml").write_text(SOURCES_YAML, encoding="utf-8")
    truth = write_delivery(root / "landing", PEOPLE, seed=5)
    layout = DataLayout(root=root / "data", landing=str(root / "landing"), config_dir=config)
    persons = delivered_person_records(layout)
    references = load_sources_config(config / "sources.yaml").references()
    result = link(persons, load_linkage_config(), references=references)
    predicted = pd.Series(result.xref["customer_id"].to_numpy(), index=record_keys(result.xref).to_numpy())
    true = pd.Series(truth["person"].to_numpy(), index=record_keys(truth).to_numpy())
    return result, predicted, true, truth


def scores(predicted: pd.Series, true: pd.Series, sources: tuple[str, ...]) -> dict:
    keep = true.index[true.index.str.split("\x1f").str[0].isin(sources)]
    return evaluate_clusters(predicted.reindex(keep), true[keep])


def test_every_delivered_person_record_is_in_the_customer_file(delivery):
    _, predicted, true, _ = delivery
    assert set(true.index) <= set(predicted.index), sorted(set(true.index) - set(predicted.index))[:5]


@pytest.mark.parametrize(
    ("sources", "floor"), [(CRMS, 0.97), ((*CRMS, "survey", "enrichment"), 0.95), (SEVEN, 0.87)]
)
def test_cluster_pair_f1(delivery, sources, floor):
    _, predicted, true, _ = delivery
    got = scores(predicted, true, sources)
    assert got["f1"] >= floor, got


def test_no_cluster_of_different_people_and_customer_count(delivery):
    result, predicted, true, _ = delivery
    frame = pd.DataFrame({"p": predicted, "t": true}).dropna()
    assert frame.groupby("p")["t"].nunique().max() <= 5
    customers, people = result.summary["clusters"], true.nunique()
    # Measured 309 vs 300 (+3.0%, seed 5; 2,063 vs 1,997, +3.3%, at 2,000 people): the rest are mostly
    # people whose records share nothing (a survey answer by an e-mail no CRM holds, a ticket from a number).
    assert abs(customers - people) <= 0.05 * people, (customers, people)


def test_orders_and_surveys_reach_the_same_customers(delivery):
    """Every person with an order and a survey response: both land on one customer."""
    _, predicted, true, _ = delivery
    frame = pd.DataFrame({"p": predicted, "t": true}).dropna()
    frame["source"] = frame.index.str.split("\x1f").str[0]
    orders = frame[frame["source"] == "orders"].groupby("t")["p"].agg(set)
    surveys = frame[frame["source"] == "survey"].groupby("t")["p"].agg(set)
    both = orders.index.intersection(surveys.index)
    assert len(both) >= 20
    same = sum(bool(orders[t] & surveys[t]) for t in both)
    assert same >= 0.95 * len(both), (same, len(both))


def test_hong_kong_people_under_their_identity_card_spelling(delivery):
    """Hong Kong people: Fxiaoke holds 陳志明 (traditional), Salesforce and Zoho 'Chi Ming Chan' (the identity
    card's spelling, tests/delivery_generator.hk_id_card_name): their CRM records land on one customer."""
    import itertools
    import random

    from tests.delivery_generator import make_people

    _, predicted, true, _ = delivery
    hk = {p.pid for p in make_people(PEOPLE, random.Random(5)) if p.country == "HK"}
    keep = true.index[true.index.str.split("\x1f").str[0].isin(CRMS) & true.isin(hk)]
    kept = together = 0
    for _, records in true[keep].groupby(true[keep]):
        for a, b in itertools.combinations(records.index, 2):
            kept += 1
            together += predicted[a] == predicted[b]
    assert kept >= 30 and together >= 0.95 * kept, (together, kept)


def test_a_whole_name_typed_into_one_name_field_joins_the_persons_other_records(delivery, tmp_path):
    """Salesforce and Zoho rows with the whole name in Last Name ('李强婷', 'Jack Li') or First Name, the other
    field blank (delivery_generator.whole_name_in_one_field): read as family 李强婷, some stayed apart from the
    person's other CRM records (seed 5: 46 of 48 pairs kept before, 48 after)."""
    _, predicted, true, _ = delivery
    write_delivery(tmp_path, PEOPLE, seed=5)  # the same delivery again, to read which rows were rewritten
    whole = []
    for source, (key, first, last) in WHOLE_NAME_FIELDS.items():
        path = next((tmp_path / source).glob("*.csv"))
        rows = pd.read_csv(path, dtype=str, keep_default_na=False)
        whole += (source + KEY_SEP + rows.loc[(rows[first] == "") != (rows[last] == ""), key]).tolist()
    assert len(whole) >= 40
    crm = true[true.index.str.split(KEY_SEP).str[0].isin(CRMS)]
    pairs = [(w, o) for w in whole for o in crm.index[crm.eq(true[w])] if o != w]
    kept = sum(predicted[w] == predicted[o] for w, o in pairs)
    assert kept >= 0.97 * len(pairs), (kept, len(pairs))
