"""Reference resolution: rows keyed by another source's record id join that record's customer."""

import re

import numpy as np
import pandas as pd
import pytest

from linkage.config import load_linkage_config
from linkage.engine import link
from linkage.records import build_person_records
from linkage.references import _forms, _index, id_forms

NAMES = ["Zoe Johnson", "王伟", "Anna Walker", "李娜", "Tom Brown", "陈静", "Lukas Fischer", "刘洋"]


def _crm(source: str, ids: list[str], first: int = 0) -> pd.DataFrame:
    """Different people in each CRM (`first`: where their names and numbers start)."""
    rows = {
        "source_record_id": ids,
        "full_name": [
            f"{n} {source}" if n.isascii() else n + "华" for n in (NAMES * 2)[first : first + len(ids)]
        ],
        "email": [f"person{i}@{source}.example.org" for i in range(len(ids))],
        "phone_mobile": [f"+86139{i:08d}" for i in range(first * 100, first * 100 + len(ids))],
    }
    return build_person_records(pd.DataFrame(rows), "contact", source)


def _orders(refs: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame({"order_id": [f"SO{i}" for i in range(len(refs))], "customer_ref": refs})
    return build_person_records(frame, "order", "orders")


SF = [f"0035g00000XyZ{i:02d}AAB" for i in range(8)]
ZOHO = [f"zcrm_48768760000{i:08d}" for i in range(8)]


@pytest.fixture(scope="module")
def config():
    return load_linkage_config()


def test_id_forms():
    assert id_forms("0035g00000XyZ12AAB") == ["0035g00000XyZ12AAB", "0035g00000XyZ12"]
    assert id_forms("zcrm_4876876000012345678") == ["zcrm_4876876000012345678", "4876876000012345678"]
    assert id_forms("KH2024000123") == ["KH2024000123"]  # a code with a prefix, not a prefixed number
    assert id_forms("12") == ["12"]


def test_a_form_two_records_share_is_dropped():
    ids = pd.Series(["0035g00000XyZ12AAB", "0035g00000XyZ12AAC", "zcrm_4876876000012345678", "4876876000012345678"],
                    index=[10, 11, 12, 13])  # fmt: skip
    index = _index(ids)
    assert "0035g00000XyZ12" not in index  # the 15-character form of two 18-character ids: ambiguous
    assert index["0035g00000XyZ12AAB"] == 10 and index["0035g00000XyZ12AAC"] == 11
    assert "4876876000012345678" not in index  # a record's own id and another's bare number
    assert index["zcrm_4876876000012345678"] == 12


def test_declared_references_attach_orders_with_evidence(config):
    refs = [SF[0], SF[1][:15], ZOHO[2].removeprefix("zcrm_"), ZOHO[3], "NOPE-1"]
    persons = pd.concat(
        [_crm("salesforce", SF), _crm("zoho", ZOHO, first=4), _orders(refs)], ignore_index=True
    )
    result = link(persons, config, references={"orders": ["salesforce", "zoho"]})
    xref = result.xref.set_index(["source", "source_record_id"])["customer_id"]
    assert xref[("orders", SF[0])] == xref[("salesforce", SF[0])]
    assert xref[("orders", SF[1][:15])] == xref[("salesforce", SF[1])]  # 15-character form
    assert xref[("orders", ZOHO[2].removeprefix("zcrm_"))] == xref[("zoho", ZOHO[2])]  # bare number
    assert xref[("orders", ZOHO[3])] == xref[("zoho", ZOHO[3])]
    assert result.xref.groupby("customer_id").size().max() == 2  # nothing else merged on the way
    assert result.summary["reference_links"] == 4 and result.summary["unresolved_references"] == 1
    pair = result.pairs[(result.pairs["id_l"] == SF[1][:15]) | (result.pairs["id_r"] == SF[1][:15])]
    assert pair["note"].tolist() == [f"reference: customer_ref = salesforce:{SF[1]}"]
    assert pair["match_probability"].tolist() == [1.0] and pair["decision"].tolist() == ["match"]
    # The unresolved reference stays a customer of its own, counted as unlinkable (it carries nothing else).
    assert result.summary["unlinkable_records"] == 1


def test_undeclared_references_are_detected(config):
    persons = pd.concat(
        [_crm("salesforce", SF), _orders([SF[0], SF[2], SF[4], "M1", "M2"])], ignore_index=True
    )
    result = link(persons, config)
    xref = result.xref.set_index(["source", "source_record_id"])["customer_id"]
    assert all(xref[("orders", i)] == xref[("salesforce", i)] for i in (SF[0], SF[2], SF[4]))


def test_coincidental_ids_are_not_references(config):
    """An order workbook with its own numeric ids, one of which happens to be a CRM id: not a reference."""
    crm = _crm("legacy", ["1001", "1002", "1003"])
    persons = pd.concat(
        [crm, _orders([str(i) for i in range(1001, 1002)] + [f"{i}" for i in range(5000, 5100)])]
    )
    result = link(persons.reset_index(drop=True), config)
    assert result.summary["reference_links"] == 0
    declared = link(persons.reset_index(drop=True), config, references={"orders": ["legacy"]})
    assert declared.summary["reference_links"] == 1  # declared: every id that matches counts


def _plain_forms(record_id: str) -> list[str]:
    """id_forms by Python's regexes, one id at a time."""
    forms = [record_id]
    if 18 <= len(record_id) <= 19 and re.match(r"^[a-zA-Z0-9]{18}$", record_id):
        forms.append(record_id[:15])
    bare = re.sub(r"^[A-Za-z]+[_\-:]", "", record_id)
    if bare != record_id and re.fullmatch(r"\d{8,}", bare):
        forms.append(bare)
    return forms


def test_the_whole_columns_forms_are_each_ids_own():
    """_forms (Arrow over the column) gives each id the forms Python's regexes give it: ids of 18 characters
    and a final newline, 19 characters, non-ASCII letters and digits (Arabic-Indic, full-width), prefixes
    with each separator, two prefixes, numbers of 7 and 8 digits."""
    rng = np.random.default_rng(5)
    alphabet = [*"aZ09_-:x", "\n", "é", "٣", "８", " "]
    ids = ["".join(rng.choice(alphabet, size=rng.integers(0, 22))) for _ in range(3000)]
    ids += [SF[0], SF[0] + "\n", SF[0] + "X", SF[0][:17] + "é", ZOHO[0], "KH-12345678", "KH:1234567", "a_b_12345678",
            "zcrm_٣٣٣٣٣٣٣٣", "zcrm_８８８８８８８８", "_12345678", "zcrm_12345678\n", "12345678"]  # fmt: skip
    ids += [f"{rng.choice(['zcrm', 'KH', 'x'])}{rng.choice(['_', '-', ':'])}{rng.integers(10**6, 10**10)}"
            for _ in range(300)]  # fmt: skip
    series = pd.Series(ids, index=np.arange(len(ids)) * 3, dtype=object)
    forms = _forms(series)
    got = forms.groupby("rid", sort=False)["form"].agg(list)
    assert {i: got[i * 3] for i in range(len(ids))} == {i: _plain_forms(v) for i, v in enumerate(ids)}
    assert sum(len(f) > 1 for f in got) > 300  # the Salesforce and prefixed-number forms are there
