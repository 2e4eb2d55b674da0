"""linkage.yaml: the defaults load; mistakes are reported with file, key and fix."""

from pathlib import Path

import pytest

from linkage.config import LinkageConfigError, load_linkage_config


def test_defaults_load():
    config = load_linkage_config()
    assert {r.name for r in config.blocking.rules} >= {"email", "phone", "name"}
    assert config.scoring.method == "em"
    assert config.thresholds.review < config.thresholds.match


def test_errors_name_file_and_key(tmp_path: Path):
    bad = tmp_path / "linkage.yaml"
    bad.write_text(
        "blocking:\n  rules:\n    - {name: x, columns: [shoe_size]}\n"
        "comparisons:\n  - {name: n, kind: name, column: family}\nthresholds: {match: 0.2, review: 0.5}\n"
    )
    with pytest.raises(LinkageConfigError) as err:
        load_linkage_config(bad)
    text = str(err.value)
    assert str(bad) in text and "blocking.rules.0" in text and "shoe_size" in text and "thresholds" in text


def test_unknown_key_rejected(tmp_path: Path):
    bad = tmp_path / "linkage.yaml"
    bad.write_text("blocking: {rules: [{name: e, columns: [emails]}]}\ncomparisons: []\ncolour: blue\n")
    with pytest.raises(LinkageConfigError, match="colour"):
        load_linkage_config(bad)
