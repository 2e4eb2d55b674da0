"""dbt's build order (assets/dbt/build_order.py): the ready node with the longest chain behind it starts first."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from types import SimpleNamespace

import networkx as nx

from assets.dbt.build_order import (
    NODE_SECONDS,
    critical_path_scores,
    longest_path_first,
    read_node_seconds,
    record_node_seconds,
)
from assets.dbt.warm import WARM_DBT_SOCKET
from assets.layout import REPO_ROOT

os.environ.setdefault("DO_NOT_TRACK", "1")


def node(kind: str, materialized: str = "table") -> SimpleNamespace:
    return SimpleNamespace(resource_type=kind, config=SimpleNamespace(materialized=materialized))


def chain_beside_tests() -> tuple[nx.DiGraph, dict[str, SimpleNamespace]]:
    """A chain of three tables, and six cheap tests of a view that sort before it by name."""
    graph = nx.DiGraph([("model.p.z_head", "model.p.z_mid"), ("model.p.z_mid", "model.p.z_tail")])
    nodes = {f"model.p.z_{n}": node("model") for n in ("head", "mid", "tail")}
    nodes["model.p.a_view"] = node("model", "view")
    for i in range(6):
        graph.add_edge("model.p.a_view", f"test.p.a_test_{i}")
        nodes[f"test.p.a_test_{i}"] = node("test", "test")
    return graph, nodes


def test_the_longest_remaining_chain_scores_first_and_timed_seconds_beat_guesses():
    graph, nodes = chain_beside_tests()
    scores = critical_path_scores(graph, nodes, {})
    assert scores["model.p.z_head"] == -3.0 and scores["model.p.z_tail"] == -1.0
    assert round(scores["model.p.a_view"], 6) == -0.3  # the view (0.1) and one of its tests (0.2)
    assert min(scores, key=scores.get) == "model.p.z_head"
    timed = critical_path_scores(graph, nodes, {"test.p.a_test_3": 9.0})
    assert min(timed, key=timed.get) == "model.p.a_view"


def test_dbt_queue_hands_a_node_out_only_to_a_free_thread_best_first():
    """dbt's own GraphQueue, patched: with one thread, the second node waits for the first to be done, and the
    node handed out then is the best ready at that moment (z_mid), not the first that became ready."""
    from dbt.graph.queue import GraphQueue

    longest_path_first(lambda: None)
    graph, nodes = chain_beside_tests()
    queue = GraphQueue(graph, SimpleNamespace(nodes=nodes, expect=nodes.__getitem__), set(graph.nodes))
    queue.threads = 1
    first = queue.get()
    assert first is nodes["model.p.z_head"]
    handed: list = []
    waiting = threading.Thread(target=lambda: handed.append(queue.get()), daemon=True)
    waiting.start()
    waiting.join(0.3)
    assert handed == [], "a second node was handed out while the only thread was busy"
    queue.mark_done("model.p.z_head")
    waiting.join(5)
    assert handed == [nodes["model.p.z_mid"]]


def test_node_seconds_are_kept_merged_and_a_bad_file_is_ignored(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    results = [
        {"unique_id": "model.p.a", "execution_time": 1.23456},
        {"unique_id": "test.p.t", "execution_time": 0.1},
    ]
    (run / "run_results.json").write_text(json.dumps({"results": results}))
    project = tmp_path / "target"
    project.mkdir()
    (project / NODE_SECONDS).write_text(json.dumps({"model.p.a": 9.0, "model.p.old": 2.0}))
    assert record_node_seconds(run, project)
    assert read_node_seconds(project / NODE_SECONDS) == {
        "model.p.a": 1.235,
        "model.p.old": 2.0,
        "test.p.t": 0.1,
    }
    assert [p.name for p in project.iterdir()] == [NODE_SECONDS]  # no temporary file left
    (project / NODE_SECONDS).write_text("{not json")
    assert read_node_seconds(project / NODE_SECONDS) == {}
    assert not record_node_seconds(tmp_path / "missing", project)


def test_a_real_build_runs_the_chain_before_the_cheap_tests_beside_it(tmp_path):
    """`python -m assets.dbt.quick_exit build` (how every build runs) on a one-thread DuckDB project: the chain's
    three tables run first. dbt's own order ran the view's tests first (level 0 and 1, then the chain's rest)."""
    project = tmp_path / "project"
    models = project / "models"
    models.mkdir(parents=True)
    (project / "dbt_project.yml").write_text(
        "name: p\nversion: '1.0'\nprofile: p\nconfig-version: 2\nflags:\n  send_anonymous_usage_stats: false\n"
    )
    (project / "profiles.yml").write_text(
        f"p:\n  target: dev\n  outputs:\n    dev:\n      type: duckdb\n      path: {tmp_path / 'w.duckdb'}\n"
        "      threads: 1\n"
    )
    (models / "z_head.sql").write_text("{{ config(materialized='table') }} select 1 as id")
    (models / "z_mid.sql").write_text("{{ config(materialized='table') }} select * from {{ ref('z_head') }}")
    (models / "z_tail.sql").write_text("{{ config(materialized='table') }} select * from {{ ref('z_mid') }}")
    (models / "a_view.sql").write_text("{{ config(materialized='view') }} select 1 as id, 'x' as v")
    tests = "\n".join(
        f"          - accepted_values: {{arguments: {{values: ['x{i}', 'x']}}}}" for i in range(5)
    )
    (models / "a_view.yml").write_text(
        f"version: 2\nmodels:\n  - name: a_view\n    columns:\n      - name: v\n        data_tests:\n{tests}\n"
        "      - name: id\n        data_tests: [not_null, unique]\n"
    )
    env = {**os.environ, "DO_NOT_TRACK": "1"}
    env.pop(WARM_DBT_SOCKET, None)  # not handed to a warm dbt process of another run
    done = subprocess.run(
        [sys.executable, "-m", "assets.dbt.quick_exit", "build", "--project-dir", str(project),
         "--profiles-dir", str(project)],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads((project / "target" / "run_results.json").read_text())["results"]
    started = sorted(results, key=lambda r: r["timing"][0]["started_at"])
    assert [r["unique_id"].split(".")[-1] for r in started[:3]] == ["z_head", "z_mid", "z_tail"]
    assert len(results) == 11
