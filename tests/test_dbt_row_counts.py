"""Row counts after a dbt build: stored relations only (a view's count would run its query every night)."""

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
