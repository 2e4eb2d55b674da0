"""The sample's HubSpot contacts: a marketing CRM holding a subset of the same customers, exported twice —
once from the UI (property labels: "Record ID", "First Name", "Lifecycle Stage", UTF-8 with a BOM) and once by
an integration syncing contact details through the API (property names: hs_object_id, firstname, createdate in
ISO 8601 with milliseconds). The API writes enumerations as internal values (`marketingqualifiedlead`,
`ORGANIC_SEARCH`, `COMPUTER_SOFTWARE`), which the vendor mapping's `values:` turns into the UI's labels.

It draws from its own random stream (derived from the seed), so every other file of a seed stays as it was.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import numpy as np

from assets.sample.variants import crm_mailbox, crm_name, email, phone, pick

# Property values as the UI export writes them (labels, not the API's internal values).
STAGES = ["Subscriber", "Lead", "Marketing Qualified Lead", "Sales Qualified Lead", "Opportunity", "Customer",
          "Evangelist", "Other"]  # fmt: skip
STAGE_WEIGHTS = [0.08, 0.17, 0.12, 0.08, 0.07, 0.4, 0.05, 0.03]
INDUSTRIES = ["Retail", "Computer Software", "Consumer Electronics", "Financial Services", "Hospital & Health Care",
              "Education Management"]  # fmt: skip
SOURCES = ["Organic Search", "Paid Social", "Email Marketing", "Direct Traffic", "Offline Sources"]
OWNERS = [("Emma Clarke", "51234001"), ("陈静", "51234002"), ("Daniel Wu", "51234003")]

UI_FILE = "hubspot/hubspot-crm-exports-all-contacts-2026-03-01.csv"
API_FILE = "hubspot/contacts_api_sync.csv"
UI_HEADER = ["Record ID", "First Name", "Last Name", "Email", "Phone Number", "Mobile Phone Number", "Job Title",
             "Company Name", "Street Address", "City", "State/Region", "Postal Code", "Country/Region",
             "Date of birth", "Industry", "Lifecycle Stage", "Lead Status", "Original Traffic Source",
             "Contact owner", "Create Date", "Last Modified Date", "Marketing contact status"]  # fmt: skip
API_HEADER = ["hs_object_id", "firstname", "lastname", "email", "phone", "mobilephone", "jobtitle", "company",
              "address", "city", "state", "zip", "country", "date_of_birth", "hubspot_owner_id", "createdate",
              "lastmodifieddate", "industry", "lifecyclestage", "hs_analytics_source"]  # fmt: skip
ENUMERATIONS = range(
    14, 18
)  # Industry … Original Traffic Source: the API sync writes them as internal values
SOURCE_CODES = {"Organic Search": "ORGANIC_SEARCH", "Paid Social": "PAID_SOCIAL", "Email Marketing": "EMAIL_MARKETING",
                "Direct Traffic": "DIRECT_TRAFFIC", "Offline Sources": "OFFLINE"}  # fmt: skip


def api_codes(industry: str, stage: str, source: str) -> list[str]:
    """The API's internal values of the UI's labels ("Hospital & Health Care" -> HOSPITAL_HEALTH_CARE)."""
    return [
        "_".join(industry.replace("&", " ").upper().split()),
        stage.replace(" ", "").lower(),
        SOURCE_CODES.get(source, source),
    ]


def _write(path: Path, header: list[str], rows: list[list[str]], encoding: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def write_hubspot(people, picks: list[int], out: Path, truth, rng: np.random.Generator) -> int:
    """Write both exports for `people[picks]` (a repeated index is a duplicate contact under a second record
    id); return the row count. Planted faults: a row without a record id, a create date that is no date."""
    ids = [str(v) for v in 10**10 + rng.choice(9 * 10**10, size=len(picks), replace=False)]
    ui, api = [], []
    for k, (i, rid) in enumerate(zip(picks, ids, strict=True)):
        p = people[i]
        first, last = crm_name(p, rng)
        created = dt.datetime(2023, 1, 1) + dt.timedelta(minutes=int(rng.integers(0, 800 * 24 * 60)))
        modified = created + dt.timedelta(days=int(rng.integers(0, 300)), minutes=int(rng.integers(0, 1440)))
        stage = pick(rng, STAGES, STAGE_WEIGHTS) if rng.random() < 0.93 else ""
        industry = pick(rng, INDUSTRIES) if rng.random() < 0.7 else ""
        source, owner = pick(rng, SOURCES), pick(rng, OWNERS)
        birth = p.birth_date if rng.random() < 0.3 else ""
        valid = True
        if k == 4:
            rid, valid = "", False  # a contact imported without its record id: quarantined
        by_api = k % 4 == 1
        created_text = created.strftime("%Y-%m-%d %H:%M")
        if k == 10:
            created_text, valid = "2024-02-30 09:15", False  # no such day
        cells = [rid, first, last, email(crm_mailbox(p, rng), rng), phone(p.office_phone, rng, p.office_ext),
                 phone(p.mobile, rng) if rng.random() < 0.8 else "", p.title, p.company, p.address,
                 p.city_latin, p.province, "" if rng.random() < 0.4 else f"{200000 + i % 700000}",
                 p.country, birth, industry, stage, pick(rng, ["NEW", "OPEN", "IN_PROGRESS", "CONNECTED", ""]),
                 source, owner[1 if by_api else 0], created_text]  # fmt: skip
        if by_api:
            cells[19] = created.strftime("%Y-%m-%dT%H:%M:%S.") + f"{k % 1000:03d}Z"
            cells = [c for j, c in enumerate(cells) if j not in ENUMERATIONS]
            api.append(
                [*cells, modified.strftime("%Y-%m-%dT%H:%M:%S.000Z"), *api_codes(industry, stage, source)]
            )
        else:
            ui.append(
                [
                    *cells,
                    modified.strftime("%Y-%m-%d %H:%M"),
                    pick(rng, ["Marketing contact", "Non-marketing contact"]),
                ]
            )
        truth.add("hubspot", rid, p.true_customer_id, valid)
    _write(out / UI_FILE, UI_HEADER, ui, "utf-8-sig")
    _write(out / API_FILE, API_HEADER, api, "utf-8")
    return len(ui) + len(api)
