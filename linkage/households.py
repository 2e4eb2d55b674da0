"""Households and companies: shared places and numbers with clearly different given names are two people.

Address, postcode, city, province, a landline and a company are one fact about where someone lives or
works, which a spouse, a relative or a colleague shares; Fellegi–Sunter counts them as independent evidence
(+25 bits for a household against −1.3 for two different given names, which true matches also show through
English names and typing). A pair whose given names are clearly different, and whose family names, genders
or birth dates differ too (spouses, colleagues, siblings), is therefore not merged on such evidence alone: it needs a personal identifier in common (a personal e-mail or mobile, a WeChat id, the
same or nearly the same birth date). It goes to review instead.
"""

from __future__ import annotations

import numpy as np

from linkage.compare import PairColumns
from linkage.config import LinkageConfig
from linkage.contact_points import different_given_names, different_people_by_name
from linkage.encode import EncodedRecords


def household_pairs(
    records: EncodedRecords, cmp: PairColumns, config: LinkageConfig, personal_agree: np.ndarray
) -> np.ndarray:
    """Pairs that are two people by name (different given names and a different family name, gender or
    birth date) with no personal identifier in common."""
    birth = next((cmp[f"g_{c.name}"] for c in config.comparisons if c.column == "birth_date"), None)
    near_birth = birth >= 1 if birth is not None else np.zeros(len(personal_agree), dtype=bool)
    two_people = different_people_by_name(records, cmp, config)
    if birth is not None:
        two_people |= different_given_names(cmp, config) & (birth == 0)
    return two_people & ~personal_agree & ~near_birth
