import json

from assets.dbt.defs import dbt_build_args
from assets.settings import Settings


def test_build_passes_source_priorities_from_sources_yaml(tmp_path):
    args = dbt_build_args(Settings(data_dir=str(tmp_path)))
    variables = json.loads(args[args.index("--vars") + 1])
    assert variables["c360_data_dir"] == str(tmp_path.resolve())
    priority = variables["source_priority"]
    # salesforce and fxiaoke are priority 1 in the shipped config, enrichment 4: most trusted first
    assert priority.index("salesforce") < priority.index("zoho") < priority.index("enrichment")
    assert priority.index("fxiaoke") < priority.index("enrichment")
    assert (tmp_path / "warehouse").is_dir()
