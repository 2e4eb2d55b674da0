"""What the dbt step costs besides dbt: row counts of stored relations only (a view's count would run its query
every night), and no dbt adapter opened in the job's process."""

import dagster_dbt.core.resource as dbt_core_resource

from assets.dbt.defs import dbt_project, dbt_resource
from assets.dbt.row_counts import relations


def _node(kind: str, name: str, materialized: str | None) -> dict:
    config = {"materialized": materialized} if materialized else {}
    return {"resource_type": kind, "schema": "s", "name": name, "alias": name, "config": config}


def test_only_stored_relations_are_counted():
    nodes = {
        "model.p.table": _node("model", "table", "table"),
        "model.p.incremental": _node("model", "incremental", "incremental"),
        "model.p.view": _node("model", "view", "view"),
        "model.p.ephemeral": _node("model", "ephemeral", "ephemeral"),
        "seed.p.seed": _node("seed", "seed", "seed"),
        "snapshot.p.snap": _node("snapshot", "snap", "snapshot"),
        "test.p.t": _node("test", "t", "test"),
    }
    assert relations({"nodes": nodes}, [*nodes, "model.p.gone"]) == {
        "model.p.table": ("s", "table"),
        "model.p.incremental": ("s", "incremental"),
        "seed.p.seed": ("s", "seed"),
        "snapshot.p.snap": ("s", "snap"),
    }


def test_the_build_runs_without_an_adapter_in_the_job_process(monkeypatch):
    seen = {}

    def run(**kwargs):
        seen.update(kwargs)
        return "invocation"

    monkeypatch.setattr(dbt_core_resource.DbtCliInvocation, "run", staticmethod(run))
    assert dbt_resource().cli(["build"], manifest=dbt_project.manifest_path) == "invocation"
    assert seen["adapter"] is None and seen["args"][-1] == "build"


def test_the_dbt_version_is_read_without_running_dbt(monkeypatch):
    def no_subprocess(*args, **kwargs):
        raise AssertionError(f"ran {args}")

    monkeypatch.setattr(dbt_core_resource, "check_output", no_subprocess)
    assert dbt_resource()._cli_version.major == 1  # dbt-core 1.x, this environment's
