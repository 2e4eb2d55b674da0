"""Company names without legal-form suffixes, so '华为技术有限公司' matches '华为技术' and 'Acme Co., Ltd.' 'ACME'."""

from __future__ import annotations

import re

import pandas as pd

from linkage.standardise._unique import map_unique
from linkage.standardise.chinese import to_simplified
from linkage.standardise.text import JUNK_VALUES, fold_text, strip_accents

HAN_SUFFIXES = (
    "股份有限公司", "有限责任公司", "集团有限公司", "有限公司", "股份公司", "集团公司", "总公司", "分公司",
    "公司", "集团", "工作室", "事务所",
)  # fmt: skip
LATIN_SUFFIXES = frozenset(
    [
        "co",
        "ltd",
        "limited",
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "llc",
        "llp",
        "lp",
        "plc",
        "gmbh",
        "ag",
        "sa",
        "sas",
        "sarl",
        "bv",
        "nv",
        "pte",
        "pty",
        "company",
        "group",
        "holdings",
        "holding",
        "kk",
        "oy",
        "ab",
        "as",
        "spa",
        "srl",
    ]
)


def canonical_company(value: str) -> str | None:
    text = strip_accents(to_simplified(fold_text(value)))
    if text in JUNK_VALUES:
        return None
    text = re.sub(r"\([^)]*\)", " ", text).strip()  # 腾讯科技(深圳): the location in brackets
    changed = True
    while changed:
        changed = False
        for suffix in HAN_SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text, changed = text[: -len(suffix)].strip(), True
    words = re.sub(r"[^\w\s&]", " ", text).split()
    while len(words) > 1 and words[-1] in LATIN_SUFFIXES:
        words.pop()
    return " ".join(words) or None


def normalise_company(s: pd.Series) -> pd.Series:
    """Company name: folded, simplified, legal-form suffixes (有限公司, Co., Ltd., Inc. …) stripped."""
    return map_unique(s, canonical_company)
