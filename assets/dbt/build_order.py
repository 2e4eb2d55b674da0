"""The order dbt starts ready nodes in: the one with the longest chain of work still behind it first.

dbt-core's GraphQueue ranks a ready node by its depth in the graph (every node of level 0, then level 1, …), so
with two threads a night spent its first seconds on the cheap tests of the staging views while the chain every
mart waits for (the touched customers → survivorship → dim_customer → the profile) queued behind them. Here a
node's rank is the estimated seconds of the longest path from it to the end of the build, itself included
(longest first: the critical path, the classic list-scheduling rule). A node's seconds are its time in the last
build that ran it (`node_seconds.json` in the project's target folder, kept after every build by
`record_node_seconds`), else a guess by kind (`guessed_seconds`). Only the order changes, never what runs or what
waits for what. Replayed on the 150k-customer bench's builds (2 threads), a node span of 8.99 → 8.49 s on a 1% night
and 33.97 → 31.11 s on a full night, the bound set by the two threads' summed work and the critical path.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from assets.temp_area import write_text_atomically

NODE_SECONDS = "node_seconds.json"  # unique_id → seconds of the node in the last build that ran it


def guessed_seconds(node: Any) -> float:
    """A node no build has timed yet: a table, an incremental model or a snapshot does the work of a build; a
    view, a seed or an ephemeral model little; a test reads a model once."""
    kind = getattr(node, "resource_type", None)
    kind = getattr(kind, "value", kind)
    if kind == "test":
        return 0.2
    materialized = getattr(getattr(node, "config", None), "materialized", None)
    if kind == "seed" or materialized in ("view", "ephemeral"):
        return 0.1
    return 1.0


def remaining_seconds(graph: Any, seconds: Callable[[str], float]) -> dict[str, float]:
    """Per node of `graph` (a networkx DiGraph, edges from a node to what waits for it): its `seconds` plus the
    longest remaining seconds among its successors."""
    import networkx as nx

    remaining: dict[str, float] = {}
    for node in reversed(list(nx.topological_sort(graph))):
        after = max((remaining[s] for s in graph.successors(node)), default=0.0)
        remaining[node] = seconds(node) + after
    return remaining


def read_node_seconds(path: Path) -> dict[str, float]:
    """The seconds kept at `path`; none when it is missing or unreadable (the guesses then order the build)."""
    try:
        kept = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(kept, dict):
        return {}
    return {str(k): float(v) for k, v in kept.items() if isinstance(v, int | float) and v >= 0}


def critical_path_scores(
    graph: Any, nodes: Mapping[str, Any], timed: Mapping[str, float]
) -> dict[str, float]:
    """GraphQueue scores (lower starts first): minus each node's remaining seconds, its own from `timed` (the
    last build's) else `guessed_seconds` of its manifest node in `nodes`."""

    def seconds(node: str) -> float:
        return timed[node] if node in timed else guessed_seconds(nodes.get(node))

    return {node: -left for node, left in remaining_seconds(graph, seconds).items()}


def record_node_seconds(run_target: Path, project_target: Path) -> bool:
    """Keep the seconds of each node of a finished build (its `run_results.json` in `run_target`) in the project's
    `target/node_seconds.json`, beside those of nodes this build did not run. Written under a temporary name and
    renamed: a build starting meanwhile reads the old file or the new one. Returns whether it was written."""
    try:
        results = json.loads((Path(run_target) / "run_results.json").read_text())["results"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    path = Path(project_target) / NODE_SECONDS
    kept = read_node_seconds(path)
    kept.update(
        {
            r["unique_id"]: round(float(r["execution_time"]), 3)
            for r in results
            if r.get("execution_time") is not None
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomically(path, json.dumps(kept, sort_keys=True))
    return True


def longest_path_first(project_target: Callable[[], Path | None]) -> None:
    """Make dbt start, each time one of its threads is free, the ready node with the longest remaining chain
    (`critical_path_scores`, the seconds read from `project_target()/node_seconds.json` when the build's queue is
    made; dbt's flags are set by then). dbt ranks its ready nodes in a priority queue (GraphQueue) but hands every
    ready node to its thread pool at once, where they wait first in, first out: the ranking only ordered nodes that
    became ready together. Here the queue hands a node out only when fewer nodes are in progress than the build
    has threads, so a thread that frees takes the best node ready at that moment. Installed once per process,
    before dbt's CLI runs (assets/dbt/quick_exit.py); dbt-core 1.11's GraphQueue and GraphRunnableTask."""
    from dbt.graph.queue import GraphQueue
    from dbt.task.runnable import GraphRunnableTask

    if getattr(GraphQueue, "longest_path_first", False):
        return
    handed_out = GraphQueue.get
    execute_nodes = GraphRunnableTask.execute_nodes

    def _get_scores(self: GraphQueue, graph: Any) -> dict[str, float]:
        target = project_target()
        timed = read_node_seconds(target / NODE_SECONDS) if target is not None else {}
        return critical_path_scores(graph, self.manifest.nodes, timed)

    def get(self: GraphQueue, block: bool = True, timeout: float | None = None) -> Any:
        threads = getattr(self, "threads", None)
        if threads:  # wait for a free thread (mark_done notifies some_task_done under the queue's lock)
            with self.lock:
                while len(self.in_progress) >= threads:
                    self.some_task_done.wait()
        return handed_out(self, block=block, timeout=timeout)

    def with_threads(self: GraphRunnableTask) -> Any:
        if self.job_queue is not None and not self.config.args.single_threaded:
            self.job_queue.threads = max(int(self.config.threads or 1), 1)
        return execute_nodes(self)

    GraphQueue._get_scores = _get_scores  # type: ignore[method-assign]
    GraphQueue.get = get  # type: ignore[method-assign]
    GraphRunnableTask.execute_nodes = with_threads  # type: ignore[method-assign]
    GraphQueue.longest_path_first = True  # type: ignore[attr-defined]


def project_target_of_flags() -> Path | None:
    """The project's own target folder (`<project dir>/target`) of the dbt command running in this process."""
    from dbt.flags import get_flags

    from assets.dbt.targets import PROJECT_TARGET

    project_dir = getattr(get_flags(), "PROJECT_DIR", None)
    return Path(project_dir) / PROJECT_TARGET if project_dir else None
