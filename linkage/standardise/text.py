"""Text folding shared by every standardiser: NFKC, whitespace, placeholder ("junk") values."""

from __future__ import annotations

import re
import unicodedata

import pandas as pd

from linkage.standardise._unique import map_unique

# Values people type when they have nothing to type. Compared after fold_text (lower-case, NFKC).
JUNK_VALUES = frozenset(
    {
        "", "-", "--", "---", ".", "..", "?", "??", "/", "#", "*", "0", "00", "x", "xx", "xxx",
        "n/a", "na", "n.a.", "nan", "nil", "null", "none", "unknown", "not available", "not provided",
        "tbd", "test", "testing", "anonymous", "no name", "noname", "customer", "guest", "default",
        "无", "無", "没有", "沒有", "暂无", "暫無", "未知", "不详", "不詳", "空", "无名", "无名氏", "匿名",
        "未提供", "未填写", "待定", "测试", "測試", "客户", "顾客", "先生", "女士", "小姐",
    }
)  # fmt: skip

_SPACE = re.compile(r"\s+")


def fold_text(value: str) -> str:
    """NFKC (full-width → half-width), lower-case, one space between words, trimmed."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", value)).strip().lower()


def is_junk(value: str) -> bool:
    return fold_text(value) in JUNK_VALUES


def strip_accents(value: str) -> str:
    """'José' → 'Jose' (Latin diacritics only; CJK is untouched)."""
    decomposed = unicodedata.normalize("NFKD", value)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def normalise_text(values: pd.Series) -> pd.Series:
    """Folded text with junk placeholders → <NA>."""

    def one(value: str) -> str | None:
        folded = fold_text(value)
        return None if folded in JUNK_VALUES else folded

    return map_unique(values, one)
