"""assets/privacy/masking_arrow.py: Arrow masking gives mask_series' text, value for value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from assets.entities import Pii
from assets.privacy.masking import mask_series
from assets.privacy.masking_arrow import mask_array

# letters, CJK, digits of other scripts, every kind of blank Python's str.split / str.strip / \d know
ALPHABET = [
    *"abcXYZ019@.+-_( )",
    "张", "伟", "é", "ß", "😀", "１", "٣", "\t", "\n", "\x0b", "\x1c", "\x1f", "\x85", "\xa0", "\u2003", "\u3000",
    "  ", "@@", "86",
]  # fmt: skip
CASES = [
    "", " ", "  ", "\u3000", "张伟", "张", " 张伟", "Wei Zhang", "wei  zhang", "W", "Amy 宋海燕", "宋 海燕",
    "zhang.wei@example.com", "@example.com", "a@", "no-at-sign", "x@y@z.cn", " a@b.cn ", "中文@qq.com",
    "+86 138-1234-5678", "8613812345678", "13812345678", "1234567", "12345678", "(212) 555-0142 ext. 12",
    "１３８１２３４５６７８", "+86 ١٣٨١٢٣٤٥٦٧٨", "abc", "😀😀", "a\x1fb", "line\nbreak",
]  # fmt: skip


def _random_values(seed: int, n: int = 3000) -> list[str | None]:
    rng = np.random.default_rng(seed)
    out: list[str | None] = []
    for _ in range(n):
        if rng.random() < 0.05:
            out.append(None)
            continue
        out.append("".join(rng.choice(ALPHABET, rng.integers(0, 14))))
    return out


@pytest.mark.parametrize("tag", [Pii.NAME, Pii.EMAIL, Pii.PHONE, Pii.ADDRESS])
@pytest.mark.parametrize("seed", range(3))
def test_arrow_masking_is_mask_series_value_for_value(tag: Pii, seed: int) -> None:
    values = CASES + _random_values(seed) + CASES
    expected = mask_series(pd.Series(values, dtype=object), tag).tolist()
    got = mask_array(pa.array(values, type=pa.string()), tag).to_pylist()
    for value, want, have in zip(values, expected, got, strict=True):
        assert have == want, (tag, value)


def test_chunked_and_large_strings_and_nulls() -> None:
    chunked = pa.chunked_array(
        [pa.array(["Wei Zhang", None], pa.large_string()), pa.array(["张伟"], pa.large_string())]
    )
    assert mask_array(chunked, Pii.NAME).to_pylist() == ["W*** Z***", None, "张*"]


def test_the_whitespace_list_is_what_python_counts() -> None:
    import sys

    from assets.privacy.masking_arrow import OTHER_WHITESPACE

    spaces = {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()} - {" "}
    assert set(OTHER_WHITESPACE) == spaces
