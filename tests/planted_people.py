"""Planted contact rows beside background people, linked: the setup the contact-point tests share (family members
on one mobile, one person's name in two writings). A planted row is (source, id, full name, given, family,
e-mail, mobile)."""

from __future__ import annotations

import pandas as pd

from linkage.config import load_linkage_config
from linkage.engine import link
from linkage.records import build_person_records

Planted = tuple[str, str, str, str, str, str, str]


def planted_person_records(rows: dict[str, list[dict]], planted: list[Planted]) -> pd.DataFrame:
    """The person records of `rows` (source → contact rows, the sources in order) with `planted` added to their
    sources."""
    rows = {source: list(given) for source, given in rows.items()}
    for source, rid, full, given, family, email, mobile in planted:
        rows[source].append({"source_record_id": rid, "full_name": full, "given_name": given,
                             "family_name": family, "email": email, "phone_mobile": mobile})  # fmt: skip
    return pd.concat(
        [build_person_records(pd.DataFrame(r).fillna(""), "contact", s) for s, r in rows.items()],
        ignore_index=True,
    )


def customer_by_record_id(persons: pd.DataFrame) -> dict[str, str]:
    """Each record id's customer id, linked with the shipped linkage.yaml."""
    result = link(persons, load_linkage_config())
    xref = result.xref.assign(rid=result.xref["source_record_id"].str.split(":").str[-1])
    return dict(zip(xref["rid"], xref["customer_id"], strict=True))
