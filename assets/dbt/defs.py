"""dbt models as Dagster assets.

Every dbt model, seed and snapshot is an asset keyed `<layer>/<name>` (assets/dbt/keys.py: `marts/dim_customer`,
`staging/stg_silver__orders`, `snapshots/…`, `seeds/…`) and grouped by the same folder; every dbt test is an asset check. dbt sources carry
`meta.dagster.asset_key` (dbt_project/models/staging/_sources.yml), so `silver/*` and `linkage/*`
— written by the Python assets — are the upstream assets of the staging models.

The manifest is made without network by `dbt parse` at load time: always under `dagster dev`
(`prepare_if_dev`), otherwise when `target/manifest.json` is missing (fresh clone) or older than the
project's files.
"""

import hashlib
import importlib.metadata
import json
import os
import shutil
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

import dagster as dg
from dagster import AssetExecutionContext
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from packaging import version

from assets.dbt.build_order import record_node_seconds
from assets.dbt.built_rows import ROW_COUNTS_FILE, CountedInBuild
from assets.dbt.column_rules import night_exclusions, with_broken_rules
from assets.dbt.engine import engine_build_args
from assets.dbt.keys import node_asset_key
from assets.dbt.row_counts import with_row_counts
from assets.dbt.targets import PARTIAL_PARSE, keep_count, keep_partial_parse, prune_run_targets
from assets.ingest.config import load_default_sources_config
from assets.layout import REPO_ROOT, DataLayout
from assets.privacy.at_rest import prepare_encrypted_storage
from assets.settings import Settings

DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"


def manifest_is_stale(project: DbtProject) -> bool:
    """True when the manifest is missing or older than any file of the project (models, macros, yml, seeds)."""
    if not project.manifest_path.exists():
        return True
    built = project.manifest_path.stat().st_mtime
    skip = {project.target_path.parts[0], "logs", "dbt_packages"}
    return any(
        path.stat().st_mtime > built
        for path in project.project_dir.rglob("*")
        if path.is_file() and path.relative_to(project.project_dir).parts[0] not in skip
    )


def prepare(project: DbtProject) -> DbtProject:
    """Make sure `project.manifest_path` is loadable and current: `dbt parse` (no network) when it is
    missing (fresh clone) or stale; under `dagster dev`, `prepare_if_dev` re-parses on every load."""
    project.prepare_if_dev()
    if manifest_is_stale(project):
        project.preparer.prepare(project)
    return project


dbt_project = prepare(DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR))


class Customer360DbtTranslator(DagsterDbtTranslator):
    """Sources → the Python assets' keys (from meta.dagster.asset_key); models → `<folder>/<name>`, grouped by
    folder."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)
        return node_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        resource_type = dbt_resource_props["resource_type"]
        if resource_type == "seed":
            return "dbt_seeds"
        if resource_type == "snapshot":
            return "dbt_snapshots"
        fqn = dbt_resource_props.get("fqn", [])
        # fqn = [project, folder, ..., name]: staging / intermediate / marts
        return f"dbt_{fqn[1]}" if len(fqn) > 2 else "dbt"

    def get_description(self, dbt_resource_props: Mapping[str, Any]) -> str:
        """The yml description; without one, what and where the node is — never its raw SQL."""
        own = (dbt_resource_props.get("description") or "").strip()
        if own:
            return own
        kind = dbt_resource_props["resource_type"]
        materialized = (dbt_resource_props.get("config") or {}).get("materialized")
        where = dbt_resource_props.get("original_file_path", "")
        return (
            f"dbt {kind} `{dbt_resource_props['name']}`"
            + (f" ({materialized})" if materialized else "")
            + (f", defined in dbt_project/{where}" if where else "")
        )


class DbtBuildConfig(dg.Config):
    full_refresh: bool = False  # rebuild the incremental marts whole (`customer360 run --full-refresh`)


def macros_fingerprint(project_dir: Path = DBT_PROJECT_DIR) -> str:
    """A digest of the project's macros. The incremental marts' fingerprint (macros/incremental_marts.sql) holds
    every model's checksum, but dbt gives Jinja no checksum of a macro: without this, a release that changed how a
    macro computes (survivorship, the facts' row helpers) would leave the customers no night touches as built."""
    digest = hashlib.sha256()
    for path in sorted((project_dir / "macros").rglob("*.sql")):
        digest.update(f"{path.relative_to(project_dir)}\0".encode() + path.read_bytes() + b"\0")
    return digest.hexdigest()[:32]


def dbt_vars(layout: DataLayout) -> str:
    """The builds' `--vars`: the data root, the source priorities of sources.yaml, most trusted first, and the
    macros' digest (read by the incremental marts' fingerprint)."""
    sources = load_default_sources_config(layout).sources
    priority = [s.name for s in sorted(sources, key=lambda s: (s.priority, s.name))]
    return json.dumps(
        {"c360_data_dir": str(layout.root), "source_priority": priority, "c360_macros": macros_fingerprint()}
    )


def dbt_build_args(settings: Settings, full_refresh: bool = False) -> list[str]:
    """`dbt build` pointed at the run's data root, with the source priorities of sources.yaml (one source of
    truth for survivorship's `source_priority` rule: most trusted first, ties by name); `--full-refresh` rebuilds
    the incremental models whole instead of the customers the night touched."""
    layout = settings.layout()
    layout.warehouse.parent.mkdir(parents=True, exist_ok=True)  # DuckDB does not create the folder
    args = ["build", "--vars", dbt_vars(layout)]
    args += engine_build_args()  # C360_ENGINE=spark: profiles.yml's `spark` target
    if not full_refresh:
        return args
    # Every model rebuilt whole over an existing warehouse: two at a time ran out of DuckDB's memory bound at
    # 150k customers (fct_orders beside survivorship); one at a time passed (peak 1.7 GB).
    return [*args, "--threads", os.environ.get("C360_DBT_FULL_REFRESH_THREADS", "1"), "--full-refresh"]


def warm_dbt_pays(layout: DataLayout, links_everything: bool) -> bool:
    """Whether a run starts the warm dbt process (assets/dbt/warm.py): only on a night that links incrementally
    (a stored linkage state, no full refresh or refit asked). A first night or a full re-link is the run's memory
    peak, where the warm process's ~150 MB would sit on top of linkage (150k customers: 2.88 → 3.03 GB), for ~1%
    of that night's time."""
    from assets.link.io import stored_model

    return not links_everything and stored_model(layout.linkage_dir) is not None


def warm_up_parse(layout: DataLayout) -> Callable[[Path], list[str]]:
    """The warm dbt process's `dbt parse` (assets/dbt/warm.py): the night's project, vars and profile, into a
    private folder seeded with the project's saved parse as dagster-dbt seeds a build's, so it parses only what
    changed (~0.5 s of CPU at 150k customers); none without a saved parse (a fresh clone: a whole parse, ~20 s
    and its memory beside linkage)."""

    def args(folder: Path) -> list[str]:
        saved = dbt_project.project_dir / dbt_project.target_path / PARTIAL_PARSE
        if not saved.is_file():
            return []
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(saved, folder / PARTIAL_PARSE)
        project, out = str(DBT_PROJECT_DIR), str(folder)
        where = ["--project-dir", project, "--profiles-dir", project, "--target-path", out, "--log-path", out]
        return ["parse", "--vars", dbt_vars(layout), *where]

    return args


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=Customer360DbtTranslator(),
    pool="duckdb_warehouse",  # the warehouse's only writer; erasure and delivery share the pool
    # the per-column rule tests, which each model's column_rules test runs in one query
    exclude=night_exclusions(DBT_PROJECT_DIR / "selectors.yml"),
)
def customer360_dbt_assets(
    context: AssetExecutionContext, dbt: DbtCliResource, settings: Settings, config: DbtBuildConfig
) -> Iterator[Any]:
    layout = settings.layout()
    for line in prepare_encrypted_storage(layout):  # C360_ENCRYPTION_KEY: dbt's files encrypted
        context.log.info(line)
    pruned = prune_run_targets(dbt_project.target_path, context.op_def.name, keep=max(keep_count() - 1, 0))
    if pruned:
        context.log.info(f"removed {len(pruned)} old dbt target folders (keeping the last {keep_count()})")
    invocation = dbt.cli(dbt_build_args(settings, config.full_refresh), context=context)
    manifest = json.loads(dbt_project.manifest_path.read_text())
    counted = CountedInBuild(invocation.target_path / ROW_COUNTS_FILE)
    events = with_row_counts(invocation.stream(), manifest, layout, counted)
    yield from with_broken_rules(events, manifest, invocation.target_path / "run_results.json", layout)
    keep_partial_parse(invocation.target_path, dbt_project.project_dir / dbt_project.target_path)
    record_node_seconds(invocation.target_path, dbt_project.project_dir / dbt_project.target_path)


class AdapterlessDbtCliResource(DbtCliResource):
    """`DbtCliResource` without the dbt adapter dagster-dbt opens in the job's own process before each build (dbt's
    imports, its macros loaded, a DuckDB adapter: seconds every night, memory beside dbt's). That adapter only
    serves `fetch_row_counts()` / `fetch_column_metadata()`, which this project does not call: row counts are read
    after dbt exits (assets/dbt/row_counts.py). dagster-dbt runs without it when it cannot be made (adapter None)."""

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:  # dagster-dbt 0.29's hook
        return None

    @cached_property
    def _cli_version(self) -> version.Version:
        """This environment's dbt-core version, read from its package metadata, instead of a `dbt --version`
        subprocess before every build (a whole dbt import: ~4 s of CPU); another executable is still asked."""
        if Path(self.dbt_executable).parent == Path(sys.executable).parent:
            return version.parse(importlib.metadata.version("dbt-core"))
        return DbtCliResource._cli_version.func(self)


def dbt_resource() -> DbtCliResource:
    """The `dbt` resource: the project above, its profiles.yml (target dev, path from the data root). dbt runs as
    `python -m assets.dbt.quick_exit` in this environment's Python (so the code location loads even when the venv
    is not on PATH): dbt's CLI, its process ended once dbt has returned and the warehouse is checkpointed."""
    return AdapterlessDbtCliResource(
        project_dir=dbt_project,
        profiles_dir=str(DBT_PROJECT_DIR),
        dbt_executable=sys.executable,
        global_config_flags=["-m", "assets.dbt.quick_exit"],
    )
