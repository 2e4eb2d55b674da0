"""Households and companies: shared places and numbers with clearly different given names are two people.

Address, postcode, city, province, a landline and a company are one fact about where someone lives or
works, which a spouse, a relative or a colleague shares; Fellegi–Sunter counts them as independent evidence
(+25 bits for a household against −1.3 for two different given names, which true matches also show through
English names and typing). A pair whose given names are clearly different is therefore not merged on such
evidence alone: it needs a personal identifier in common (a personal e-mail or mobile, a WeChat id, the
same or nearly the same birth date). It goes to review instead.

FEBRL's corruption replaces a given name by another one at the same address with another birth date, and
counts the pair as one person; in a customer file that pair is a household, so FEBRL recall drops a little
(FEBRL4: 42 of 5,000 pairs).

Colleagues share a company's switchboard and its name, which Fellegi–Sunter counts twice (+9 and +6 bits):
'Cindy Huang' and 'Cindy Chen' at one company scored a match on their common English given name against their
clearly different family names. A pair sharing a phone and the company, with clearly different family names
and no personal identifier in common, goes to review too; one person at that switchboard keeps one name.
"""

from __future__ import annotations

import numpy as np

from linkage.compare import PairColumns
from linkage.config import LinkageConfig
from linkage.contact_points import comparison_levels, different_given_names, near_birth_dates, top_level


def household_pairs(cmp: PairColumns, config: LinkageConfig, personal_agree: np.ndarray) -> np.ndarray:
    """Pairs with clearly different given names and no personal identifier in common."""
    return different_given_names(cmp, config) & _nothing_personal(cmp, config, personal_agree)


def workplace_pairs(cmp: PairColumns, config: LinkageConfig, personal_agree: np.ndarray) -> np.ndarray:
    """Pairs sharing a phone and the company with clearly different family names (the lowest level) and no personal
    identifier in common (the phone is then no one's own: a switchboard)."""
    family = comparison_levels(cmp, config, "name", "family")
    company = comparison_levels(cmp, config, None, "company")
    if family is None or company is None:
        return np.zeros(len(cmp["l"]), dtype=bool)
    workplace = top_level(cmp, config, "overlap", "phones") & (company >= 1)
    return workplace & (family == 0) & _nothing_personal(cmp, config, personal_agree)


def _nothing_personal(cmp: PairColumns, config: LinkageConfig, personal_agree: np.ndarray) -> np.ndarray:
    """Pairs with no personal identifier in common (`personal_agree`) and no same or nearly the same birth date."""
    return ~personal_agree & ~near_birth_dates(cmp, config)
