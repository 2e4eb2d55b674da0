"""contact_points.attach_mistyped_records with `within` (an incremental night): only those lone records are
attached, each exactly as without it (an attachment reads the owners, never the other lone records)."""

from collections import Counter

import numpy as np
import pandas as pd

from linkage.contact_points import (
    ROLE_LOCAL_PARTS,
    attach_mistyped_records,
    evidence_only,
    name_counts,
    sole_mailboxes,
)
from linkage.encode import dense_labels, encode_records
from linkage.mistyped_emails import attach_mistyped
from linkage.prepare import prepare_records


def _records() -> pd.DataFrame:
    persons = pd.DataFrame(
        {
            "source": ["crm", "crm", "survey", "survey"],
            "source_record_id": ["1", "2", "3", "4"],
            "family_name": ["Zhang", "Li", None, None],
            "given_name": ["Weiming", "Xiaona", None, None],
            "emails": [["zhang.weiming@163.com"], ["li.xiaona@qq.com"], ["zhang.weimingg@163.com"],
                       ["li.xiaonna@qq.com"]],
            "phones": [["+8613812345678"], ["+8613912345678"], [], []],
        }
    )  # fmt: skip
    return prepare_records(persons)


def test_within_attaches_only_those_records_and_each_as_without_it():
    rec = _records()
    labels = np.arange(len(rec), dtype=np.int64)
    unnamed = evidence_only(rec)
    everyone, attached = attach_mistyped_records(rec, labels, unnamed, None)
    assert attached == 2 and everyone[2] == everyone[0] and everyone[3] == everyone[1]
    within = np.array([True, True, True, False])
    night, attached = attach_mistyped_records(rec, labels, unnamed, None, within=within)
    assert attached == 1 and night[2] == night[0]
    assert len(set(night.tolist())) == 3  # record 4 stays alone


def _whole_file(rec: pd.DataFrame, labels: np.ndarray, unnamed: np.ndarray) -> tuple[np.ndarray, int]:
    """attach_mistyped on the whole file's facts counted plainly: every e-mail's holders, every personal
    mailbox, every name."""
    emails = rec["emails"].tolist()
    held = Counter(e for values in emails for e in values)
    only = unnamed & (np.bincount(labels, minlength=len(rec))[labels] == 1)
    only = sole_mailboxes(emails, held, rec["phones"], only)
    owners = np.isin(labels, labels[~unnamed]) & ~only
    personal = {e for e in held if e.split("@", 1)[0] not in ROLE_LOCAL_PARTS}
    out, attached = attach_mistyped(emails, labels, only, owners, personal, name_counts(rec))
    return dense_labels(out), attached


def test_the_lone_mailboxes_facts_are_the_whole_files():
    """attach_mistyped_records counts the holders of the lone records' e-mails only, checks only the
    personal mailboxes of their shapes and counts names when a typo asks: the attachments of the plain
    whole-file count, on a file with mailboxes held twice or twice by one record, role mailboxes, names
    that a typo turns into another (xinyi.li / xinyi.liu) and many mailboxes of no lone one's shape."""
    rng = np.random.default_rng(3)
    rows = []
    for i in range(300):  # owners: named, a personal mailbox each, some a role one
        local = (
            f"{rng.choice(['wang', 'xinyi', 'zhang', 'chen'])}.{rng.choice(['li', 'liu', 'wei', 'na'])}{i}"
        )
        rows.append(
            (
                "crm",
                f"o{i}",
                "Li" if i % 3 else "Liu",
                "Xinyi",
                [f"{local}@qq.com", f"customerservice@shop{i}.cn"],
            )
        )
    for i in range(120):  # lone: a typo of an owner's mailbox, of a role one, or of nobody's
        owner = rows[int(rng.integers(300))][4][int(rng.integers(2))]
        local, domain = owner.split("@")
        cut = int(rng.integers(1, len(local) - 1))
        typed = local[:cut] + local[cut + 1 :] if i % 2 else local[:cut] + local[cut] + local[cut:]
        values = [f"{typed}@{domain}"] * (2 if i % 11 == 0 else 1)  # twice in one record: held twice
        rows.append(("survey", f"s{i}", None, None, values))
    rows.append(("survey", "held-by-two", None, None, [rows[300][4][0]]))
    rows.append(("survey", "owner-of-it", None, None, [rows[300][4][0]]))
    rows.append(("crm", "liu", "Liu", "Xinyi", ["xinyi.liu@163.com"]))
    rows.append(("survey", "another-name", None, None, ["xinyi.li@163.com"]))
    persons = pd.DataFrame(
        rows, columns=["source", "source_record_id", "family_name", "given_name", "emails"]
    )
    persons["phones"] = [[] for _ in range(len(persons))]
    rec = prepare_records(persons)
    labels = np.arange(len(rec), dtype=np.int64)
    unnamed = evidence_only(rec)
    expected, expected_attached = _whole_file(rec, labels, unnamed)
    assert 10 < expected_attached < unnamed.sum()
    for encoded in (None, encode_records(rec)):  # the e-mails' strings hashed, or read from their codes
        out, attached = attach_mistyped_records(rec, labels, unnamed, None, records=encoded)
        assert attached == expected_attached
        np.testing.assert_array_equal(out, expected)
    # a blank e-mail (the encoding drops it): counted from the strings
    rec.at[len(rec) - 1, "emails"] = ["", "xinyi.li@163.com"]
    out, attached = attach_mistyped_records(rec, labels, unnamed, None, records=encode_records(rec))
    expected, expected_attached = _whole_file(rec, labels, unnamed)
    assert attached == expected_attached
    np.testing.assert_array_equal(out, expected)
