"""dbt vars are validated at parse time; one error names every bad key, its file and the fix."""

from __future__ import annotations

from test_marts import dbt


def test_bad_survivorship_config_names_every_key_and_fix(tmp_path):
    vars_ = {
        "survivorship_rules": {"email": "newest", "e_mail": "most_recent"},
        "survivorship_default_rule": "oldest",
        "source_priority": "crm_cn",
    }
    result = dbt(["parse", "--no-partial-parse"], tmp_path / "data", tmp_path, vars_)
    assert result.returncode != 0
    out = " ".join(result.stdout.split())
    assert (
        "dbt_project.yml vars.survivorship_rules.email: unknown rule 'newest'; use one of source_priority"
        in out
    )
    assert "dbt_project.yml vars.survivorship_rules.e_mail: unknown field; use one of full_name" in out
    assert "dbt_project.yml vars.survivorship_default_rule: unknown rule 'oldest'" in out
    assert (
        "dbt_project.yml vars.source_priority: expected a list of source names, got a string; write [crm_cn]"
        in out
    )
