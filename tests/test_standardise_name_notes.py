"""What people type into a name field beside the name: a note in brackets after a Chinese name (王伟（已离职）
"left the company", 王伟(Wang Wei)) and a suffix after a Latin one ('John Smith Jr.', 'Wang Wei, PhD'). Neither is
a name word: kept, the given name was '伟已离职' and the family name 'jr'."""

import pytest

from linkage.standardise.names import parse_name


@pytest.mark.parametrize(
    ("raw", "full", "family", "given"),
    [
        ("王伟（已离职）", "王伟", "王", "伟"),
        ("王伟(重复)", "王伟", "王", "伟"),
        ("王伟(Wang Wei)", "王伟", "王", "伟"),
        ("（王伟）", "王伟", "王", "伟"),  # the whole name in brackets is still the name
        ("John Smith Jr.", "john smith", "smith", "john"),
        ("John Smith, Jr.", "john smith", "smith", "john"),
        ("John Smith III", "john smith", "smith", "john"),
        ("Wang Wei, PhD", "wang wei", "wang", "wei"),
        ("Smith, John, Jr.", "smith john", "smith", "john"),
        ("Smith Iv", "smith iv", "iv", "smith"),  # two words: a name, not a name and a suffix
    ],
)
def test_notes_and_suffixes_are_no_name_words(raw, full, family, given):
    assert parse_name(raw)[0:1] + parse_name(raw)[2:] == (full, family, given)
