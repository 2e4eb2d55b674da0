import json
import shutil

from assets.dbt.defs import DBT_PROJECT_DIR, dbt_build_args, macros_fingerprint
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


def test_build_passes_a_digest_of_the_macros_that_changes_with_any_macro(tmp_path):
    """The incremental marts' fingerprint reads var c360_macros: a release that edits a macro rebuilds every
    customer (dbt gives Jinja the models' checksums, not the macros')."""
    args = dbt_build_args(Settings(data_dir=str(tmp_path / "data")))
    assert json.loads(args[args.index("--vars") + 1])["c360_macros"] == macros_fingerprint()
    project = tmp_path / "project"
    shutil.copytree(DBT_PROJECT_DIR / "macros", project / "macros")
    shipped = macros_fingerprint(project)
    assert shipped == macros_fingerprint(DBT_PROJECT_DIR)
    survivorship = project / "macros" / "survivorship.sql"
    survivorship.write_text(survivorship.read_text().replace("'income_band'", "'income'", 1))
    edited = macros_fingerprint(project)
    assert edited != shipped
    nested = next((project / "macros").glob("*/*.sql"))  # a macro in a subfolder counts too
    nested.write_text(nested.read_text() + "\n")
    assert macros_fingerprint(project) not in (shipped, edited)
