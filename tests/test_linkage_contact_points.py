"""Contact-point links, shared values, households and rows without identity, on a small hand-made file."""

import numpy as np
import pandas as pd
import pytest

from linkage.config import load_linkage_config
from linkage.engine import link
from linkage.records import build_person_records

# 24 CRM contacts: (id, name, email, mobile, address, landline, gender)
GIVEN = ["Anna", "Tom", "Lena", "Omar", "Ivy", "Paul", "Rosa", "Sam", "Nina", "Hugo", "Eva", "Carl"]
FAMILY = ["Walker", "Brown", "Fischer", "Rossi", "Dubois", "Martin", "Taylor", "Moore"]


def _crm() -> pd.DataFrame:
    rows = []
    for i in range(24):
        given, family = GIVEN[i % 12], FAMILY[(i * 5) % 8]
        rows.append(
            {
                "source_record_id": f"C{i:03d}",
                "given_name": given,
                "family_name": family,
                "email": f"{given}.{family}{i}@mail.example.org".lower(),
                "phone_mobile": f"139{i:08d}",
                "address": f"{i + 1} Harbour Road",
                "city": "Shanghai",
                "gender": "F" if given in ("Anna", "Lena", "Ivy", "Rosa", "Nina", "Eva") else "M",
            }
        )
    frame = pd.DataFrame(rows)
    # A household: C020 (Nina) and C021 (Hugo) share the family name, address and home landline.
    frame.loc[21, ["family_name", "address"]] = frame.loc[20, ["family_name", "address"]].tolist()
    frame["phone_home"] = ""
    frame.loc[[20, 21], "phone_home"] = "021-6555 0101"
    frame.loc[5, "phone_home"] = "010-6552 8888 转 8021"  # Paul's desk behind the company switchboard
    # C010 gives the company's info@ mailbox as a second address (colleagues write from it too).
    frame["email_secondary"] = ""
    frame.loc[10, "email_secondary"] = "info@acme.example.org"
    # C012 (Rosa) and C013 (Sam), a couple: one mobile, one address, one family name.
    frame.loc[13, ["phone_mobile", "address", "family_name"]] = frame.loc[
        12, ["phone_mobile", "address", "family_name"]
    ].tolist()
    frame.loc[13, "email"] = ""
    return frame


def _crm2() -> pd.DataFrame:
    """The same people in a second CRM for C000…C005 (names written differently), and C020/C021 again."""
    crm = _crm()
    rows = crm.iloc[[0, 1, 2, 3, 4, 5, 20, 21]].copy()
    rows["source_record_id"] = "Z" + rows["source_record_id"]
    rows["given_name"] = rows["given_name"].str.upper()
    rows["email"] = ""  # this CRM has no e-mails: the household shares address, name and landline only
    rows.loc[rows.index.isin([20, 21]), "phone_mobile"] = ""
    return rows


def _campaign() -> pd.DataFrame:
    crm = _crm()
    rows = [
        ("L1", crm.loc[6, "email"].upper(), ""),  # a personal e-mail only → C006
        ("L2", "", "+86 " + crm.loc[7, "phone_mobile"]),  # a personal mobile only → C007
        ("L3", "info@acme.example.org", ""),  # a role mailbox: nobody's
        ("L4", "", crm.loc[12, "phone_mobile"]),  # the couple's shared mobile: nobody's
        ("L5", "", "13800138000"),  # a placeholder: no identifier at all
        ("L6", "test@test.com", ""),
        ("L7", crm.loc[8, "email"], crm.loc[9, "phone_mobile"]),  # leads to two customers: ambiguous
        ("L8", "only.here@mail.example.org", ""),  # held by no contact: joins L9, the same mailbox
        ("L9", "only.here@mail.example.org", ""),
        ("L12", "", crm.loc[8, "phone_mobile"]),  # C008's mobile only: L7 reaching C008 too is no doubt on it
        ("L13", crm.loc[4, "email"], ""),  # C004's mailbox, which L10 (named, alone at first) holds too
        ("L14", crm.loc[18, "email"].replace("fischer", "fsicher"), ""),  # C018's mailbox, mistyped
    ]
    frame = pd.DataFrame(rows, columns=["customer_ref", "email", "phone_mobile"]).assign(full_name="")
    named = [  # a name the weights cannot place: her English name beside the CRM's family name → C004;
        # clearly someone else (another given and family name) writing from C003's mailbox → nobody's
        ("L10", crm.loc[4, "email"], "", "Iris " + crm.loc[4, "family_name"]),
        ("L11", crm.loc[3, "email"], "", "Zachary Stone"),
        ("L15", "", crm.loc[18, "phone_mobile"], "Ruth " + crm.loc[18, "family_name"]),  # C018's alias
    ]
    return pd.concat([frame, pd.DataFrame(named, columns=frame.columns)], ignore_index=True)


def _persons() -> pd.DataFrame:
    return pd.concat(
        [
            build_person_records(_crm(), "contact", "crm"),
            build_person_records(_crm2(), "contact", "crm2"),
            build_person_records(_campaign(), "campaign_member", "campaigns"),
        ],
        ignore_index=True,
    )


@pytest.fixture(scope="module")
def result():
    return link(_persons(), load_linkage_config())


def _customer(result, source: str, rid: str) -> str:
    xref = result.xref.set_index(["source", "source_record_id"])["customer_id"]
    return xref[(source, rid)]


def test_a_personal_email_or_mobile_alone_joins_its_owner(result):
    assert _customer(result, "campaigns", "L1") == _customer(result, "crm", "C006")
    assert _customer(result, "campaigns", "L2") == _customer(result, "crm", "C007")
    note = result.pairs.loc[result.pairs["id_l"].eq("L1") | result.pairs["id_r"].eq("L1"), "note"]
    assert "contact point" in " ".join(note)


def test_shared_values_join_nobody(result):
    for member in ("L3", "L4"):
        customer = _customer(result, "campaigns", member)
        assert (result.xref["customer_id"] == customer).sum() == 1, member
    assert _customer(result, "crm", "C012") != _customer(result, "crm", "C013")  # shared mobile


def test_ambiguous_contact_points_are_no_bridge(result):
    assert _customer(result, "crm", "C008") != _customer(result, "crm", "C009")
    assert (result.xref["customer_id"] == _customer(result, "campaigns", "L7")).sum() == 1
    assert result.summary["contact_point_ambiguous"] >= 1


def test_one_ambiguous_record_leaves_the_others_of_a_customer_alone(result):
    """Ambiguity is a record's own: L7 (C008's e-mail, C009's mobile) stays alone, L12 (C008's mobile) joins."""
    assert _customer(result, "campaigns", "L12") == _customer(result, "crm", "C008")


def test_a_record_between_a_customer_and_its_alias_joins_once_they_are_one(result):
    """L13 holds C004's mailbox, which L10 ('Iris', her English name) holds too: two customers until L10
    joins C004, then one."""
    assert _customer(result, "campaigns", "L13") == _customer(result, "crm", "C004")


def test_a_named_record_finds_a_contact_its_mistyped_mailbox_joined(result):
    """L14 (C018's mailbox, two letters swapped) joins C018 before the named pass, which then finds C018
    a customer to join for L15 (C018's mobile, another given name): two lone records are never joined."""
    assert _customer(result, "campaigns", "L14") == _customer(result, "crm", "C018")
    assert _customer(result, "campaigns", "L15") == _customer(result, "crm", "C018")


def test_evidence_only_records_sharing_a_value_form_one_customer(result):
    assert _customer(result, "campaigns", "L8") == _customer(result, "campaigns", "L9")


def test_rows_without_identifier_stay_alone_and_are_counted(result):
    """No customer id, no customer: the customer count leaves them out and says how many."""
    assert pd.isna(_customer(result, "campaigns", "L5")) and pd.isna(_customer(result, "campaigns", "L6"))
    assert result.summary["unlinkable_records"] == result.summary["unlinked_records"] == 2
    assert result.summary["clusters"] == result.xref["customer_id"].nunique()
    assert result.history["customer_id"].notna().all() and len(result.history) == result.summary["clusters"]


def test_a_named_record_left_alone_joins_the_owner_of_its_personal_value(result):
    assert _customer(result, "campaigns", "L10") == _customer(result, "crm", "C004")
    assert _customer(result, "campaigns", "L11") != _customer(result, "crm", "C003")  # two people by name


def test_household_members_stay_apart_and_people_still_match(result):
    assert _customer(result, "crm", "C020") != _customer(result, "crm", "C021")
    assert _customer(result, "crm2", "ZC020") != _customer(result, "crm2", "ZC021")
    assert _customer(result, "crm2", "ZC020") == _customer(result, "crm", "C020")
    for i in range(6):
        assert _customer(result, "crm2", f"ZC{i:03d}") == _customer(result, "crm", f"C{i:03d}")


def test_household_pairs_are_different_given_names_without_a_personal_identifier():
    from linkage.households import household_pairs

    config = load_linkage_config()
    # pairs: spouses (given+gender differ) · alias (given differs only) · spouses sharing a personal
    # mobile · given differs, birth dates one digit apart · twins-like: given differs, birth date differs
    n = 5
    cmp = {"l": np.arange(n), "r": np.arange(n) + n}
    levels = {"given_name": [0, 0, 0, 0, 0], "family_name": [3, 3, 3, 3, 3], "gender": [0, 1, 0, -1, -1],
              "birth_date": [-1, -1, -1, 1, 0]}  # fmt: skip
    for c in config.comparisons:
        cmp[f"g_{c.name}"] = np.array(levels.get(c.name, [-1] * n), dtype=np.int8)
    personal = np.array([False, False, True, False, False])
    got = household_pairs(cmp, config, personal)
    # An English name beside the Chinese one ('Kevin' / 'Wei') with no personal identifier in common is
    # refused too: the household evidence alone does not tell it from a brother.
    assert got.tolist() == [True, True, False, False, True]


def test_personal_values():
    """Role mailboxes, landlines and a mobile two clearly different people give are not personal."""
    from linkage.blocking import block
    from linkage.compare import compare
    from linkage.contact_points import personal_values
    from linkage.encode import encode_records
    from linkage.prepare import prepare_records

    config = load_linkage_config()
    persons = pd.concat(
        [
            build_person_records(_crm(), "contact", "crm"),
            build_person_records(_crm2(), "contact", "crm2"),
        ],
        ignore_index=True,
    )
    rec = prepare_records(persons)
    records = encode_records(rec, config.record_columns)
    pairs, _ = block(records, config)
    cmp = compare(records, config, pairs.left, pairs.right, extra={"l": pairs.left, "r": pairs.right})
    personal = personal_values(rec, records, cmp, config)

    def code(value: str) -> int:
        return int(np.flatnonzero(records.vocab == value)[0])

    crm = _crm()
    assert personal.emails[code(crm.loc[6, "email"])]
    assert not personal.emails[code("info@acme.example.org")]
    assert personal.phones[code("+86" + crm.loc[7, "phone_mobile"])]
    assert not personal.phones[code("+86" + crm.loc[12, "phone_mobile"])]  # Rosa's and Sam's
    assert not personal.phones[code("+862165550101")]  # the household landline
    assert not personal.phones[code("+861065528888")]  # a switchboard, held by one person so far


@pytest.mark.parametrize("born", ["1955-06-14", ""])
def test_a_named_record_never_joins_a_customer_it_contradicts(born):
    """A household mailbox: 'Lia Rossi' writes from Omar Rossi's e-mail. Born decades apart, she contradicts
    one of his records, so she joins none of them; without a birth date the same record joins him."""
    crm = _crm()
    omar = crm.loc[[15]].assign(source_record_id="X015", birth_date="1980-03-02")
    lia = pd.DataFrame([{"source_record_id": "H1", "full_name": "Lia Rossi", "email": omar["email"].iloc[0],
                         "city": "Shanghai", "birth_date": born}])  # fmt: skip
    persons = pd.concat(
        [
            _persons(),
            build_person_records(omar, "contact", "crm3"),
            build_person_records(lia, "contact", "hub"),
        ],
        ignore_index=True,
    )
    result = link(persons, load_linkage_config())
    assert _customer(result, "crm3", "X015") == _customer(result, "crm", "C015")
    joined = _customer(result, "hub", "H1") == _customer(result, "crm", "C015")
    assert joined == (born == ""), result.pairs[result.pairs["id_l"].eq("H1") | result.pairs["id_r"].eq("H1")]


def test_a_north_american_home_phone_is_a_household_s_not_a_person_s():
    """US numbers do not say mobile or landline (fixed_or_mobile). Samuel and Juan Hughes share the home
    phone, each with a mobile and a mailbox of their own: the home phone is no personal value, so Samuel,
    whom the scores leave alone, does not join Juan's customer through it."""
    home = "(415) 889-1277"
    rows = [("S1", "Samuel", "(646) 737-7323", "samuel.h@mail.example.org"),
            ("J1", "Juan", "(617) 636-5328", "juan.h@mail.example.org")]  # fmt: skip
    crm = pd.DataFrame(
        [
            {
                "source_record_id": i,
                "given_name": g,
                "family_name": "Hughes",
                "phone_mobile": m,
                "phone_home": home,
                "email": e,
                "country": "US",
                "city": "San Francisco",
            }
            for i, g, m, e in rows
        ]
    )
    juan = crm.iloc[[1]].assign(source_record_id="J2", phone_home="", city="")
    persons = pd.concat(
        [
            _persons(),
            build_person_records(crm, "contact", "us"),
            build_person_records(juan, "contact", "us2"),
        ],
        ignore_index=True,
    )
    samuel = persons[persons["source_record_id"] == "S1"].iloc[0]
    kinds = dict(zip(samuel["phones"], samuel["phone_types"], strict=True))
    assert kinds == {"+16467377323": "fixed_or_mobile", "+14158891277": "landline"}
    result = link(persons, load_linkage_config())
    assert _customer(result, "us2", "J2") == _customer(result, "us", "J1")
    assert _customer(result, "us", "S1") != _customer(result, "us", "J1")


def test_a_number_typed_once_as_shared_is_shared():
    """Phone types across records: the first type that is not a personal one wins, else the last given."""
    from linkage.contact_points import _phone_types

    rec = pd.DataFrame(
        {
            "phones": [["+1A", "+1B"], ["+1A", "+1C"], ["+1A", "+1B", "+1C"], ["+1D"], ["+1D"]],
            "phone_types": [
                ["mobile", "mobile"],
                ["landline", "toll_free"],
                ["mobile", "fixed_or_mobile", "voip"],
                ["mobile"],
                ["x", "y"],
            ],
        }
    )
    assert _phone_types(rec) == {
        "+1A": "landline",
        "+1B": "fixed_or_mobile",
        "+1C": "toll_free",
        "+1D": "mobile",
    }


def _plain_kinds(rec: pd.DataFrame, records, column: str) -> dict[int, bool]:
    """Per code of `column`: whether its kind may be personal, judged value by value from every record."""
    from linkage.contact_points import PERSONAL_PHONE_TYPES, ROLE_LOCAL_PARTS
    from linkage.standardise.phone import phone_kind

    types: dict[str, list[str]] = {}
    for phones, kinds in zip(rec["phones"], rec["phone_types"], strict=True):
        for phone, kind in zip(phones, kinds, strict=True) if len(kinds) == len(phones) else ():
            types.setdefault(phone, []).append(kind)
    out = {}
    for code in np.unique(records.lists[column].codes).tolist():
        value = records.vocab[code]
        if column == "emails":
            out[code] = value.split("@", 1)[0] not in ROLE_LOCAL_PARTS
        else:
            given = types.get(value, [])
            shared = [k for k in given if k is not None and k not in PERSONAL_PHONE_TYPES]
            kind = shared[0] if shared else given[-1] if given else None
            out[code] = (kind or phone_kind(value)) in PERSONAL_PHONE_TYPES
    return out


def test_personal_values_within_a_nights_records_are_the_whole_files():
    """personal_values judged only for the values of some records (an incremental night's) gives each of
    them what the plain value-by-value judgement over the whole file gives: role mailboxes, a mailbox and
    a mobile more than MAX_HOLDERS records hold, a number typed a landline by one record and a mobile by
    another, a number with no type (its kind from the number)."""
    from linkage.blocking import block
    from linkage.compare import compare
    from linkage.contact_points import MAX_HOLDERS, different_people_by_name, personal_values, shared_in_pairs
    from linkage.encode import encode_records, holder_counts
    from linkage.prepare import prepare_records

    config = load_linkage_config()
    rows = []
    for i in range(60):
        phones = [f"+8613{i % 40:09d}", "+862165550101" if i % 3 else f"+861390000{i % 9:04d}"]
        kinds = ["mobile", "landline" if i % 3 or i % 5 == 0 else "mobile"]
        rows.append({"source": "crm", "source_record_id": f"c{i}", "family_name": FAMILY[i % 8],
                     "given_name": GIVEN[i % 12], "emails": [f"{GIVEN[i % 12]}.{i % 30}@x.cn", f"info@shop{i % 8}.cn",
                                                             "all@x.cn"],
                     "phones": phones if i % 7 else phones[:1], "phone_types": kinds if i % 7 else []})  # fmt: skip
    rec = prepare_records(pd.DataFrame(rows))
    records = encode_records(rec, config.record_columns)
    pairs, _ = block(records, config)
    cmp = compare(records, config, pairs.left, pairs.right, extra={"l": pairs.left, "r": pairs.right})
    within = np.zeros(len(rec), dtype=bool)
    within[::4] = True
    inside = within[pairs.left] & within[pairs.right]
    cmp = {k: v[inside] for k, v in cmp.items()}
    night = personal_values(rec, records, cmp, config, within=within)
    two_people = different_people_by_name(records, cmp, config)
    for column, judged in (("emails", night.emails), ("phones", night.phones)):
        col, holders = records.lists[column], holder_counts(records, column)
        assert (holders > MAX_HOLDERS).any() and (holders[col.codes] <= MAX_HOLDERS).any()
        pair, shared = shared_in_pairs(records, cmp, config, column)
        kinds, apart = _plain_kinds(rec, records, column), set(shared[two_people[pair]].tolist())
        for code in np.unique(col.codes[within[col.rids()]]).tolist():
            assert judged[code] == (kinds[code] and holders[code] <= MAX_HOLDERS and code not in apart)
        assert any(kinds.values()) and not all(kinds.values())
