"""Scoring: EM runs on the distinct comparison patterns, which must count the pairs exactly."""

import numpy as np
import pandas as pd

from linkage.config import load_linkage_config
from linkage.score import comparison_patterns


def test_patterns_count_every_pair_once():
    config = load_linkage_config()
    rng = np.random.default_rng(0)
    n = 5000
    cmp = {f"g_{c.name}": rng.integers(-1, c.n_levels, n).astype(np.int8) for c in config.comparisons}
    cmp["rules"] = rng.integers(1, 1 << len(config.blocking.rules), n)
    patterns = comparison_patterns(cmp, config)
    columns = [*(f"g_{c.name}" for c in config.comparisons), "rules"]
    expected = pd.DataFrame(cmp).groupby(columns).size().rename("n").reset_index()
    got = patterns.sort_values(columns).reset_index(drop=True)
    assert got[columns].astype("int64").equals(expected[columns].astype("int64"))
    assert got["n"].tolist() == expected["n"].tolist() and got["n"].sum() == n
