"""The column rules of the dbt models as Dagster asset checks.

A build runs each model's not_null / unique / accepted_values / value_between tests as one `column_rules` test per
severity (dbt_project/tests/generic/column_rules.sql): one dbt node, and one asset check (`column_rules`,
`column_rules_warn`), per model instead of one per column and rule. The per-column tests stay declared in the
models' yml; the default selector of dbt_project/selectors.yml, which the Dagster asset reads here, leaves them out.

dbt reports only how many rows broke a test. A failed `column_rules` check says which: once dbt has exited, its
compiled query (one row per broken rule) runs again over a read-only connection and the check result names the
column, the rule and the rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
import yaml

from assets.dbt.held_events import event_unique_id, hold_until_exit
from assets.layout import DataLayout

COLUMN_RULES_TEST = "column_rules"
BROKEN_RULES = "broken_rules"


def night_exclusions(selectors: Path) -> str:
    """The default selector's exclusions as a dbt selection string: `test_name:not_null test_name:unique …`."""
    found = [s for s in yaml.safe_load(selectors.read_text())["selectors"] if s.get("default")]
    if len(found) != 1:
        raise ValueError(f"{selectors}: expected one default selector, found {len(found)}")
    excluded = [
        f"{item['method']}:{item['value']}"
        for part in found[0]["definition"]["union"]
        if isinstance(part, dict) and "exclude" in part
        for item in part["exclude"]
    ]
    return " ".join(excluded)


def broken_rules(layout: DataLayout, compiled_sql: str) -> list[tuple[str, str, int]]:
    """(column, rule, failing rows) of a column_rules test's query, run on the built warehouse."""
    from assets.dbt.engine import connect_built_warehouse

    with connect_built_warehouse(layout.warehouse, read_only=True) as (con, _catalog):
        rows = con.execute(f"select * from ({compiled_sql}) order by 1, 2").fetchall()
    return [(str(column), str(rule), int(failing)) for column, rule, failing in rows]


def describe(rules: Iterable[tuple[str, str, int]]) -> str:
    return "; ".join(
        f"{column}: {rule} ({failing} row{'s' if failing != 1 else ''})" for column, rule, failing in rules
    )


def _named(check: dg.AssetCheckResult, layout: DataLayout, compiled_sql: str | None) -> dg.AssetCheckResult:
    """The failed check with the broken rules in its description (read by the run's failure summary,
    orchestration/logging.py) and metadata."""
    try:
        text = (
            describe(broken_rules(layout, compiled_sql)) if compiled_sql else "its compiled query is missing"
        )
    except Exception as exc:  # the check keeps dbt's verdict; only the naming failed
        text = f"could not re-run its query ({type(exc).__name__}: {exc})"
    return dg.AssetCheckResult(
        passed=check.passed,
        asset_key=check.asset_key,
        check_name=check.check_name,
        severity=check.severity,
        metadata={**check.metadata, BROKEN_RULES: text},
        description=f"dbt test {check.check_name}: {text}",
    )


def with_broken_rules(
    events: Iterable[Any], manifest: Mapping[str, Any], run_results: Path, layout: DataLayout
) -> Iterator[Any]:
    """Pass `events` through; failed column_rules checks come once dbt has exited, naming their broken rules."""
    nodes = manifest.get("nodes", {})

    def failed_rules(event: Any) -> bool:
        if not isinstance(event, dg.AssetCheckResult) or event.passed:
            return False
        test = nodes.get(event_unique_id(event), {}).get("test_metadata") or {}
        return test.get("name") == COLUMN_RULES_TEST

    def release(held: list[dg.AssetCheckResult]) -> Iterator[dg.AssetCheckResult]:
        results = json.loads(run_results.read_text())["results"] if run_results.exists() else []
        compiled = {r["unique_id"]: r.get("compiled_code") for r in results}
        for check in held:
            yield _named(check, layout, compiled.get(event_unique_id(check)))

    return hold_until_exit(events, failed_rules, release)
