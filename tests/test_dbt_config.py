"""dbt vars are validated at parse time; a bad one fails with the file, the key and the fix."""

from __future__ import annotations

import pytest
from test_marts import dbt


@pytest.mark.parametrize(
    ("vars_", "expected"),
    [
        (
            {"survivorship_rules": {"email": "newest"}},
            "dbt_project.yml vars.survivorship_rules.email: unknown rule 'newest'; use one of source_priority",
        ),
        (
            {"survivorship_rules": {"e_mail": "most_recent"}, "source_priority": ["crm_cn"]},
            "dbt_project.yml vars.survivorship_rules.e_mail: unknown field; use one of full_name",
        ),
    ],
)
def test_bad_survivorship_config_names_key_and_fix(tmp_path, vars_, expected):
    result = dbt(["parse", "--no-partial-parse"], tmp_path / "data", tmp_path, vars_)
    assert result.returncode != 0
    assert expected in " ".join(result.stdout.split())
