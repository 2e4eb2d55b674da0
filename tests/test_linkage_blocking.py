"""Blocking: pairs inside each key's block, the block-size cap, rule bitmasks, link_only."""

import numpy as np
import pandas as pd

from linkage.blocking import block, pairs_in_blocks
from linkage.config import load_linkage_config
from linkage.encode import encode_records


def test_pairs_in_blocks_and_cap():
    rids = np.array([4, 1, 2, 3, 0, 5, 6, 6, 3], dtype=np.int64)
    keys = np.array([7, 7, 7, 9, 8, 8, 8, 9, 9], dtype=np.int64)  # record 3 holds key 9 twice: counted once
    left, right, skipped = pairs_in_blocks(rids, keys, cap=3)
    assert set(zip(left.tolist(), right.tolist(), strict=True)) == {(1, 2), (1, 4), (2, 4), (0, 5), (0, 6),
                                                                    (5, 6), (3, 6)}  # fmt: skip
    assert (left < right).all() and len(left) == 7 and len(skipped) == 0
    left, right, skipped = pairs_in_blocks(rids, keys, cap=2)
    assert list(zip(left.tolist(), right.tolist(), strict=True)) == [(3, 6)] and sorted(skipped.tolist()) == [
        3,
        3,
    ]


def _config(link_type: str = "dedupe_and_link"):
    config = load_linkage_config()
    rules = [r for r in config.blocking.rules if r.name in ("email", "phone", "birth_date")]
    return config.model_copy(
        update={"link_type": link_type, "blocking": config.blocking.model_copy(update={"rules": rules})}
    )


def _records():
    rec = pd.DataFrame(
        {
            "source": ["a", "a", "b", "b"],
            "emails": [["x@q.com"], ["x@q.com", "y@q.com"], ["y@q.com"], []],
            "phones": [["+861"], [], ["+861"], ["+861"]],
            "birth_date": ["1990-01-02", None, "1990-01-02", "1990-01-02"],
        }
    )
    return encode_records(rec)


def test_rules_are_or_ed_with_a_bitmask_and_counted():
    pairs, stats = block(_records(), _config())
    found = {
        (a, b): (m, f)
        for a, b, m, f in zip(pairs.left, pairs.right, pairs.rules, pairs.first_rule, strict=True)
    }
    assert list(found) == [(0, 1), (0, 2), (0, 3), (1, 2), (2, 3)]  # sorted by (l, r)
    assert found[(0, 1)] == (0b001, 0) and found[(1, 2)] == (0b001, 0)  # email
    assert found[(0, 2)] == (0b110, 1) and found[(2, 3)] == (0b110, 1)  # phone and birth date
    assert stats.pairs_by_rule == {"email": 2, "phone": 3, "birth_date": 3}
    assert stats.new_pairs_by_rule == {"email": 2, "phone": 3, "birth_date": 0}
    assert stats.candidate_pairs == 5


def test_link_only_never_pairs_a_source_with_itself():
    pairs, _ = block(_records(), _config("link_only"))
    assert list(zip(pairs.left.tolist(), pairs.right.tolist(), strict=True)) == [(0, 2), (0, 3), (1, 2)]


def test_focus_rounds_on_the_same_records_pair_as_a_whole_run():
    """An incremental night blocks the same records several rounds with other focus records; the blocks it
    sorts once and keeps must give each round the pairs of a full run that touch its focus, capped alike."""
    rng = np.random.default_rng(3)
    n = 400
    rec = pd.DataFrame(
        {
            "source": rng.choice(["a", "b"], n),
            "emails": [[f"m{v}@q.com" for v in rng.integers(0, 60, rng.integers(0, 3))] for _ in range(n)],
            "phones": [[f"+86{v}"] for v in rng.integers(0, 150, n)],  # some blocks over the cap below
            "birth_date": rng.choice(["1990-01-02", "1985-05-06", None], n),
        }
    )
    config = _config()
    config = config.model_copy(update={"blocking": config.blocking.model_copy(update={"max_block_size": 6})})
    whole, _ = block(encode_records(rec), config)
    records = encode_records(rec)  # kept across the rounds, as the night keeps its records
    for seed in range(4):
        focus = np.random.default_rng(seed).random(n) < 0.05
        pairs, stats = block(records, config, focus=focus)
        near = focus[whole.left] | focus[whole.right]
        assert list(zip(pairs.left.tolist(), pairs.right.tolist(), strict=True)) == list(
            zip(whole.left[near].tolist(), whole.right[near].tolist(), strict=True)
        )
        assert (pairs.rules == whole.rules[near]).all() and stats.skipped_keys_by_rule["phone"] > 0
