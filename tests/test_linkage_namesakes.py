"""Namesakes: people who share a name, each with their own e-mail and mobile, stay apart however many
they are (linkage/namesakes.py). Scored with a stored model like the one the 333k-customer sample fitted,
where a rare name outweighs a differing e-mail and phone: on the engine without the namesake rule, the
eight people below were one customer."""

import numpy as np
import pandas as pd
import pytest

from linkage.compare import compare
from linkage.config import load_linkage_config
from linkage.datasets import record_keys
from linkage.encode import encode_records
from linkage.engine import link
from linkage.namesakes import namesake_pairs, namesake_readings, namesakes_by_levels
from linkage.prepare import prepare_records
from linkage.score import Parameters
from linkage.state import LinkageState

# m and u as EM fitted them on 1.19M person records (the sample generator's 333,334 customers): a differing
# e-mail or phone is only ~1 bit against (true matches often hold another one).
M = {
    "family_name": [0.005, 0.005, 0.0093, 0.9808], "given_name": [0.0879, 0.005, 0.0228, 0.8843],
    "birth_date": [0.0071, 0.005, 0.9879], "email": [0.4668, 0.5332], "phone": [0.4722, 0.005, 0.5228],
    "wechat": [0.4992, 0.5008], "address": [0.0049, 0.0049, 0.0049, 0.9852], "city": [0.005, 0.005, 0.9901],
    "postcode": [0.9515, 0.0316, 0.0169], "province": [0.005, 0.995], "gender": [0.1, 0.9],
    "company": [0.005, 0.005, 0.9901],
}  # fmt: skip
U = {
    "family_name": [0.95111, 0.0242, 0.00421, 0.02048], "given_name": [0.9648, 0.0142, 0.00495, 0.01604],
    "birth_date": [0.99722, 0.00245, 0.00033], "email": [0.99996, 4e-05], "phone": [0.99993, 3e-05, 3e-05],
    "wechat": [0.99931, 0.00069], "address": [0.93785, 0.04392, 0.01775, 0.00048],
    "city": [0.92643, 0.00011, 0.07346], "postcode": [0.99774, 0.00113, 0.00113],
    "province": [0.89193, 0.10807], "gender": [0.48925, 0.51075], "company": [0.91708, 8e-05, 0.08284],
}  # fmt: skip
# A prior under which agreeing on this name (24 of ~2,000 records) is a match (+5.8 bits; +3.6 with a
# differing e-mail and phone), as the rare-name TF weights made it at 1.19M records.
PRIOR = 0.01
PEOPLE = 8
FILE = 2000
COLUMNS = ["source", "source_record_id", "family_name", "given_name", "emails", "phones"]


def _model() -> LinkageState:
    parameters = Parameters(
        {k: np.array(v) for k, v in M.items()}, {k: np.array(v) for k, v in U.items()}, PRIOR
    )
    return LinkageState(parameters, level_shares={}, digests=pd.DataFrame())


def _namesakes() -> pd.DataFrame:
    """PEOPLE people named family 'ou', given 'yanghaoran' (how 'ouyanghaoran' was read before compound
    surnames were recognised: a rare name), each with a CRM contact
    and an order holding the person's own e-mail and mobile, and a service ticket holding the mobile only."""
    rows = []
    for i in range(PEOPLE):
        email, mobile = f"person{i}@mail{i}.example", f"+86139{i:08d}"
        rows += [
            ("crm", f"c{i}", "ou", "yanghaoran", [email], [mobile]),
            ("shop", f"o{i}", "ou", "yanghaoran", [email], [mobile]),
            ("tickets", f"t{i}", "ou", "yanghaoran", [], [mobile]),
        ]
    # the rest of the customer file: other names, which make this one rare (its term frequencies)
    rows += [("crm", f"f{i}", f"family{i}", f"given{i}", [f"f{i}@other.example"], []) for i in range(FILE)]
    return pd.DataFrame(rows, columns=COLUMNS)


@pytest.fixture(scope="module")
def config():
    return load_linkage_config()


def test_namesakes_each_with_their_own_contact_points_stay_apart(config):
    result = link(_namesakes(), config, model=_model())
    xref = result.xref
    xref = xref[xref["source_record_id"].str[0] != "f"].reset_index(drop=True)
    person = record_keys(xref).str.extract(r"(\d+)$")[0].to_numpy()
    people_per_customer = pd.Series(person).groupby(xref["customer_id"].to_numpy()).nunique()
    assert people_per_customer.max() == 1, people_per_customer.sort_values().tail()
    # and each person's three records are still one customer
    assert xref.groupby(person)["customer_id"].nunique().max() == 1
    assert xref["cluster_size"].max() == 3
    pairs = result.pairs[result.pairs["id_l"].str[0] != "f"]
    same = pairs["id_l"].str[1:] == pairs["id_r"].str[1:]
    assert (pairs.loc[~same, "decision"] != "match").all()
    assert pairs.loc[~same & (pairs["decision"] == "review"), "note"].str.startswith("namesake").all()


def test_a_record_with_nothing_to_compare_does_not_bridge_namesakes(config):
    """A campaign member known by the name and an e-mail of its own meets every ticket on the name alone
    (nothing to compare): those pairs are matches, but the namesakes' own records keep them apart."""
    member = pd.DataFrame(
        [("campaign", "x", "ou", "yanghaoran", ["someone@else.example"], [])], columns=COLUMNS
    )
    persons = pd.concat([_namesakes(), member], ignore_index=True)
    xref = link(persons, config, model=_model()).xref
    tickets = xref[xref["source"] == "tickets"]
    assert tickets["customer_id"].nunique() == PEOPLE
    assert xref["cluster_size"].max() <= 4


def _pair_levels(config, rows: list[tuple]) -> tuple[dict, np.ndarray]:
    frame = pd.DataFrame(rows, columns=[*COLUMNS, "birth_date"])
    rec = prepare_records(frame)
    records = encode_records(rec, config.record_columns)
    left, right = np.zeros(len(rec) - 1, np.int64), np.arange(1, len(rec), dtype=np.int64)
    cmp = compare(records, config, left, right, extra={"l": left, "r": right})
    return cmp, rec["source_record_id"].to_numpy()[1:]


def test_namesake_pairs_need_differing_contact_points_and_nothing_personal_in_common(config):
    base = ("a", "0", "ou", "yanghaoran", ["a@x.example"], ["+8613900000001", "+861062000000"], "1980-01-02")
    rows = [
        base,
        ("a", "1", "ou", "yanghaoran", ["b@x.example"], ["+8613900000002"], None),  # both differ
        ("a", "2", "ou", "yanghaoran", ["b@x.example"], [], None),  # the e-mails differ
        ("a", "3", "ou", "yanghaoran", [], [], None),  # nothing to compare
        ("a", "4", "ou", "yanghaoran", ["b@x.example"], ["+861062000000"], None),  # a landline in common
        ("a", "5", "ou", "yanghaoran", ["b@x.example"], ["+8613900000002"], "1980-01-02"),  # same birth date
        ("a", "6", "ou", "yanghaoran", ["b@x.example"], ["+8613900000002"], "1980-01-12"),  # one digit off
        ("a", "7", "ou", "yanghaoran", ["a@x.example"], ["+8613900000002"], None),  # the same e-mail
        ("a", "8", "ou", "yanghaoran", ["b@x.example"], ["+8613900000002"], "1991-07-08"),  # born elsewhen
    ]
    cmp, ids = _pair_levels(config, rows)
    flagged = namesake_pairs(cmp, config, np.zeros(len(ids), dtype=bool))
    assert dict(zip(ids, flagged.tolist(), strict=True)) == {
        "1": True, "2": True, "3": False, "4": False, "5": False, "6": False, "7": False, "8": True,
    }  # fmt: skip
    # a personal identifier in common (a WeChat id, a personal value) is never a namesake pair
    assert not namesake_pairs(cmp, config, np.ones(len(ids), dtype=bool)).any()


def test_a_work_and_a_private_mailbox_are_no_difference(config):
    """One person gives the CRM a mailbox at the employer's domain and the web shop a private one: e-mails of
    two kinds differ for the rule only beside differing phones; two private (or two work) mailboxes differ."""
    rows = [
        ("a", "0", "ou", "yanghaoran", ["ou.yanghaoran@qq.com"], ["+8613900000001"], None),
        ("a", "1", "ou", "yanghaoran", ["hou@corp-one.example"], [], None),  # work beside private
        (
            "a",
            "2",
            "ou",
            "yanghaoran",
            ["hou@corp-one.example"],
            ["+8613900000002"],
            None,
        ),  # and phones differ
        ("a", "3", "ou", "yanghaoran", ["yanghaoran88@163.com"], [], None),  # two private mailboxes
        (
            "a",
            "4",
            "ou",
            "yanghaoran",
            ["ou.yanghaoran@qq.com", "hou@corp-one.example"],
            [],
            None,
        ),  # the same
    ]
    frame = pd.DataFrame(rows, columns=[*COLUMNS, "birth_date"])
    records = encode_records(prepare_records(frame), config.record_columns)
    left, right = np.zeros(len(rows) - 1, np.int64), np.arange(1, len(rows), dtype=np.int64)
    cmp = compare(records, config, left, right, extra={"l": left, "r": right})
    flagged = namesake_pairs(cmp, config, np.zeros(len(left), dtype=bool), records)
    assert dict(zip("1234", flagged.tolist(), strict=True)) == {"1": False, "2": True, "3": True, "4": False}
    work = [("a", "5", "ou", "yanghaoran", ["ou@corp-two.example"], [], None)]
    frame = pd.DataFrame([rows[1], *work], columns=[*COLUMNS, "birth_date"])
    records = encode_records(prepare_records(frame), config.record_columns)
    one = np.zeros(1, np.int64)
    cmp = compare(records, config, one, one + 1, extra={"l": one, "r": one + 1})
    assert namesake_pairs(cmp, config, np.zeros(1, dtype=bool), records).all()  # two work mailboxes


def test_a_person_with_a_work_and_a_private_mailbox_is_one_customer(config):
    """The CRM holds the private mailbox and the mobile, two orders the work mailbox and the mobile, a third
    order the private mailbox only: the orders' pairs (work against private, no phone on one) are no match
    edges, but the guard does not read them as two people, so the CRM record's shared mailbox and mobile join
    all four."""
    rows = [
        ("crm", "c", "ou", "yanghaoran", ["ou.yanghaoran@qq.com"], ["+8613900000001"]),
        ("shop", "o1", "ou", "yanghaoran", ["hou@corp-one.example"], ["+8613900000001"]),
        ("shop", "o2", "ou", "yanghaoran", ["hou@corp-one.example"], ["+8613900000001"]),
        ("shop", "o3", "ou", "yanghaoran", ["ou.yanghaoran@qq.com"], []),
    ]
    rows += [("crm", f"f{i}", f"family{i}", f"given{i}", [f"f{i}@other.example"], []) for i in range(FILE)]
    result = link(pd.DataFrame(rows, columns=COLUMNS), config, model=_model())
    xref = result.xref
    assert xref[xref["source_record_id"].str[0] != "f"]["customer_id"].nunique() == 1
    pairs = result.pairs
    work_private = pairs["id_l"].isin(["o1", "o2"]) & (pairs["id_r"] == "o3")
    assert work_private.sum() == 2 and (pairs.loc[work_private, "decision"] == "review").all()


def test_a_work_mailbox_and_desk_line_beside_a_private_mailbox_and_mobile_are_one_customer(config):
    """One CRM holds the person's work mailbox and desk line, another those and the mobile, the web shop the
    private mailbox and the mobile ('Pierre Jones' of the sample): the first CRM's pairs with the shop differ in
    both e-mail and phone, but each in kind (work beside private, a landline beside a mobile), so the guard does
    not read them as two people and the mobile joins all four."""
    work, desk, private, mobile = (
        "pierre.jones@wayne.example",
        "+442070479399",
        "pierrejones@gmail.com",
        "+447841512944",
    )
    rows = [
        ("crm", "c1", "jones", "pierre", [work], [desk], ["landline"]),
        ("crm", "c2", "jones", "pierre", [work], [mobile, desk], ["mobile", "landline"]),
        ("shop", "o1", "jones", "pierre", [private], [mobile], ["mobile"]),
        ("shop", "o2", "jones", "pierre", [private], [mobile], ["mobile"]),
    ]
    rows += [
        ("crm", f"f{i}", f"family{i}", f"given{i}", [f"f{i}@other.example"], [], []) for i in range(FILE)
    ]
    xref = link(pd.DataFrame(rows, columns=[*COLUMNS, "phone_types"]), config, model=_model()).xref
    assert xref[xref["source_record_id"].str[0] != "f"]["customer_id"].nunique() == 1


def test_a_namesake_is_read_from_the_levels_whatever_values_are_personal():
    """namesakes_by_levels gives namesake_readings' first reading for any judgement of which shared values are
    personal (a shared value agrees at its comparison's top level): what lets evidence completion and an incremental
    night's closure read namesakes before any value is judged. Without an e-mail comparison it reads none."""
    config = load_linkage_config()
    rng = np.random.default_rng(0)
    n = 20_000
    cmp = {"l": np.arange(n), "r": np.arange(n) + n}
    cmp |= {f"g_{c.name}": rng.integers(-1, c.n_levels, n) for c in config.comparisons}
    top, wechat = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    for c in config.comparisons:
        if c.column in ("emails", "phones"):
            top |= cmp[f"g_{c.name}"] == c.n_levels - 1
        if c.column == "wechat_id" and c.kind == "exact":
            wechat = cmp[f"g_{c.name}"] == c.n_levels - 1
    by_levels = namesakes_by_levels(cmp, config, np.zeros(n, dtype=bool))
    assert 0 < by_levels.sum() < n
    # personal_agreement: the same WeChat id, and some of the e-mails and phones shared
    for personal in (wechat, wechat | top, wechat | (top & (rng.random(n) < 0.5))):
        assert np.array_equal(namesake_readings(cmp, config, personal, None)[0], by_levels)
    no_emails = config.model_copy(
        update={"comparisons": [c for c in config.comparisons if c.column != "emails"]}
    )
    assert not namesakes_by_levels(cmp, no_emails, np.zeros(n, dtype=bool)).any()
