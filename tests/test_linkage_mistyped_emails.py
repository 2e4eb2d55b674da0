"""A lone e-mail one keystroke from one customer's personal mailbox is that customer's; other edits are not."""

import numpy as np
import pytest

from linkage.mistyped_emails import (
    _halves,
    _indexable,
    _shapes,
    attach_mistyped,
    half_keys,
    mistyped_mailboxes,
    near_shapes,
    typos_in,
)


def _attach(lone_email: str, owners: list[str], names: dict[str, int] | None = None) -> int:
    """Label the lone record (last) gets; owners are customers 0, 1, …; -1 when left alone."""
    emails = [[e] for e in owners] + [[lone_email]]
    labels = np.arange(len(emails))
    lone = np.zeros(len(emails), dtype=bool)
    lone[-1] = True
    out, attached = attach_mistyped(emails, labels, lone, ~lone, set(owners), names)
    return int(out[-1]) if attached else -1


@pytest.mark.parametrize(
    ("typed", "owner"),
    [
        ("qiagn.chen@outlook.com", 0),  # swapped neighbours
        ("qiangchen@outlook.com", 0),  # a dropped dot
        ("qiang.chenn@outlook.com", 0),  # a doubled letter
        ("iqang.chen@outlook.com", 0),  # swapped in the first two characters
        ("qang.chen@outlook.com", 0),  # a letter lost in the first two
        ("uqiang.chen@outlook.com", 0),  # a letter before the first
        ("qiang.chen@gmail.com", -1),  # another domain
        ("qiang.chen7@outlook.com", -1),  # another digit: another mailbox
        ("qiang.shen@outlook.com", -1),  # a replaced letter may be another name
        ("li.na@outlook.com", -1),  # too short to tell from another person's
    ],
)
def test_one_keystroke_from_one_customer(typed, owner):
    assert _attach(typed, ["qiang.chen@outlook.com", "lina@outlook.com"]) == owner


def test_two_customers_one_keystroke_away_is_ambiguous():
    assert _attach("wangwei@qq.com", ["wang.wei@qq.com", "wangwe.i@qq.com"]) == -1


@pytest.mark.parametrize(
    ("typed", "owner"),
    [
        ("qiang.chen1958@outlook.com", 0),  # two digits of the year swapped
        ("qiang.chen185@outlook.com", 0),  # one digit lost
        ("qiang.chen1986@outlook.com", -1),  # a replaced digit: another mailbox
        ("qiang.chen19855@outlook.com", 0),  # a doubled digit
        ("qiang.chn1958@outlook.com", -1),  # a letter lost and two digits swapped: two edits
        ("wang.wei12@qq.com", -1),  # a short counter: wang.wei1 and wang.wei12 are two people
        ("12345687@qq.com", -1),  # a QQ number: every neighbour is someone's
    ],
)
def test_a_slip_in_the_number_of_a_mailbox(typed, owner):
    assert _attach(typed, ["qiang.chen1985@outlook.com", "wang.wei1@qq.com", "12345678@qq.com"]) == owner


@pytest.mark.parametrize(
    ("typed", "owner"),
    [
        ("xinyi.li@yahoo.com", -1),  # li and liu: two family names the records hold
        ("xinyi.lui@yahoo.com", 0),  # lui is nobody's name: a typo
        ("xiny.liu@yahoo.com", 0),  # xiny is nobody's either
        ("xinyiliu@yahoo.com", 0),  # a dropped dot changes no name
        ("xinyi.lu@yahoo.com", 0),  # 'lu' on 2 records against 'liu' on 80: 'liu' typed wrong twice
    ],
)
def test_an_edit_that_makes_another_name_is_no_typo(typed, owner):
    names = {"xinyi": 12, "liu": 80, "li": 90, "wang": 100, "lu": 2}
    assert _attach(typed, ["xinyi.liu@yahoo.com", "wang.li@yahoo.com"], names) == owner


OWNER = "qiang.chen@outlook.com"
LOCAL = OWNER.split("@")[0]
EDITS = sorted(
    {LOCAL[:i] + LOCAL[i + 1 :] for i in range(len(LOCAL))}  # a letter lost
    | {LOCAL[:i] + "x" + LOCAL[i:] for i in range(len(LOCAL) + 1)}  # a letter added
    | {
        LOCAL[:i] + LOCAL[i + 1] + LOCAL[i] + LOCAL[i + 2 :] for i in range(len(LOCAL) - 1)
    }  # neighbours swapped
)


@pytest.mark.parametrize("typed", EDITS)
def test_a_keystroke_anywhere_in_the_local_part_is_found(typed):
    """Whatever the position of the edit (first, last characters included), the mailbox is found."""
    assert _attach(f"{typed}@outlook.com", [OWNER, "qiang.wu@outlook.com"]) == 0


def test_the_arrow_shape_filter_keeps_every_mailbox_a_shape_finds():
    """near_shapes (the file's mailboxes narrowed in Arrow) keeps every mailbox the plain pass would check:
    ASCII and not, several '@', short local parts, no domain; what it drops has no shape in the index."""
    rng = np.random.default_rng(7)
    alphabet = [*"abcdeqin.17", "é", "王", "@"]
    owned = ["".join(rng.choice(alphabet, size=rng.integers(1, 14))) + rng.choice(["@qq.com", "@", ""])
             for _ in range(4000)]  # fmt: skip
    owned += ["qiang.chen@outlook.com", "wáng.wei@qq.com", "ab@c@d.com", "line\nbreak@qq.com"]
    lone = [e for e in owned[::7] if _indexable(e)] + ["qiagn.chen@outlook.com", "wáng.wie@qq.com"]
    near = {shape for e in lone for d in (-1, 0, 1) for shape in _shapes(e, d)}
    found = [e for e in owned if _indexable(e) and any(s in near for s in _shapes(e))]
    kept = near_shapes(owned, dict.fromkeys(near))
    assert set(found) <= set(kept) and "qiang.chen@outlook.com" in kept and "wáng.wei@qq.com" in kept
    ascii_kept = [e for e in kept if e.isascii()]
    assert len(ascii_kept) < sum(e.isascii() for e in owned) / 10  # it narrows
    assert kept == [e for e in owned if e in set(kept)]  # in their order


def test_the_arrow_halves_are_the_plain_ones():
    """half_keys (Arrow for ASCII mailboxes) gives every mailbox the keys _halves gives it: ASCII and not, several
    '@', a line break, short local parts, no domain, repeats."""
    rng = np.random.default_rng(11)
    alphabet = [*"abcdeqin.17", "é", "王", "@", "\n"]
    boxes = ["".join(rng.choice(alphabet, size=rng.integers(1, 16))) + rng.choice(["@qq.com", "@", ""])
             for _ in range(4000)]  # fmt: skip
    boxes += [
        "qiang.chen@outlook.com",
        "wáng.wei@qq.com",
        "ab@c@d.com",
        "line\nbreak@qq.com",
        "qiang.chen@outlook.com",
    ]
    got = half_keys(boxes)
    assert set(zip(got["key"], got["mailbox"], strict=True)) == {
        (key, e) for e in set(boxes) if _indexable(e) for key in _halves(e)
    }


@pytest.mark.parametrize("typed", [*EDITS, "qiang.cehn", "qaing.chen", "qiangchen", "qiang.chenn"])
def test_the_halves_find_every_typo_the_shapes_find(typed):
    """typos_in (keyed by halves) finds a lone mailbox one keystroke from an owned one wherever the keystroke is,
    as mistyped_mailboxes (keyed by the shapes) does; other mailboxes are not found."""
    lone = [f"{typed}@outlook.com", "wang.xiuying@outlook.com", f"{typed}@gmail.com"]
    owned = [OWNER, "zhang.wei1985@qq.com"]
    expected = set(mistyped_mailboxes(lone, owned, {}))
    assert typos_in(half_keys(lone), owned) == expected == {f"{typed}@outlook.com"}
