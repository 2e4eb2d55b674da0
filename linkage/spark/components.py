"""Connected components of match edges on Spark by large-star / small-star joins (Kiveris et al., 2014: no
graphframes JAR), then the chaining guard of linkage/cluster.py per component in `applyInPandas`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from linkage.cluster import guarded_clusters

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

MAX_ROUNDS = 200


def _large_star(edges: DataFrame) -> DataFrame:
    """Each node links its larger neighbours to the smallest node of its neighbourhood."""
    from pyspark.sql import functions as F

    both = edges.select(F.col("a").alias("u"), F.col("b").alias("v")).unionByName(
        edges.select(F.col("b").alias("u"), F.col("a").alias("v"))
    )
    smallest = both.groupBy("u").agg(F.least(F.min("v"), F.col("u")).alias("m"))
    return (
        both.join(smallest, "u")
        .where(F.col("v") > F.col("u"))
        .select(F.col("v").alias("a"), F.col("m").alias("b"))
    )


def _small_star(edges: DataFrame) -> DataFrame:
    """Each node links itself and its smaller neighbours to the smallest of them."""
    from pyspark.sql import functions as F

    down = edges.select(F.greatest("a", "b").alias("u"), F.least("a", "b").alias("v")).where("u != v")
    smallest = down.groupBy("u").agg(F.min("v").alias("m"))
    linked = down.join(smallest, "u").select(F.col("v").alias("a"), F.col("m").alias("b"))
    return linked.unionByName(smallest.select(F.col("u").alias("a"), F.col("m").alias("b"))).where("a != b")


def _is_star_forest(edges: DataFrame) -> bool:
    """Every edge (larger, smaller) points a leaf at a root: each leaf has one edge and no root is a leaf."""
    from pyspark.sql import functions as F

    down = edges.select(F.greatest("a", "b").alias("u"), F.least("a", "b").alias("v")).distinct()
    if down.groupBy("u").count().where("count > 1").limit(1).count():
        return False
    leaves = down.select(F.col("u").alias("v"))
    return not down.select("v").distinct().join(leaves, "v").limit(1).count()


def connected_components(edges: DataFrame) -> DataFrame:
    """(node, component) for every node of the edges (a, b); component = the smallest node id in it."""
    from pyspark.sql import functions as F

    current = edges.select(F.least("a", "b").alias("a"), F.greatest("a", "b").alias("b")).where("a != b")
    current = current.distinct().localCheckpoint()
    for _ in range(MAX_ROUNDS):
        if _is_star_forest(current):
            break
        current = _small_star(_large_star(current)).distinct().localCheckpoint()
    else:
        raise RuntimeError(f"connected components did not converge in {MAX_ROUNDS} rounds")
    down = current.select(F.greatest("a", "b").alias("node"), F.least("a", "b").alias("component"))
    roots = down.select(F.col("component").alias("node"), "component").distinct()
    return down.unionByName(roots)


def guard_components(
    scored: DataFrame, members: DataFrame, min_average_weight: float, veto_weight: float | None
) -> DataFrame:
    """Rows (kind, a, b): kind 0 = record a belongs to cluster b (the smallest rid of its cluster after the
    guard), kind 1 = match edge (a, b) refused, for components of three or more records.

    `scored`: l, r, match_weight, is_match of every scored pair; `members`: node, component."""
    from pyspark.sql import functions as F

    sizes = members.groupBy("component").agg(F.count("*").alias("size")).where("size >= 3")
    big = members.join(sizes, "component").select("node", "component")
    pairs = (
        scored.join(big.withColumnsRenamed({"node": "l", "component": "cl"}), "l")
        .join(big.withColumnsRenamed({"node": "r", "component": "cr"}), "r")
        .where("cl = cr")
        .select(F.col("cl").alias("component"), "l", "r", "match_weight", "is_match")
    )

    def guard(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.sort_values(["l", "r"], ignore_index=True)
        left, right = frame["l"].to_numpy(), frame["r"].to_numpy()
        nodes = np.unique(np.concatenate([left, right]))  # ascending: local order = rid order
        labels, refused = guarded_clusters(
            len(nodes), np.searchsorted(nodes, left), np.searchsorted(nodes, right),
            frame["match_weight"].to_numpy(), frame["is_match"].to_numpy(bool), min_average_weight, veto_weight,
        )  # fmt: skip
        first = pd.Series(nodes).groupby(labels).transform("min").to_numpy()
        return pd.concat(
            [
                pd.DataFrame({"kind": 0, "a": nodes, "b": first}),
                pd.DataFrame({"kind": 1, "a": left[refused], "b": right[refused]}),
            ],
            ignore_index=True,
        ).astype({"kind": "int8", "a": "int64", "b": "int64"})

    return pairs.groupBy("component").applyInPandas(guard, "kind byte, a long, b long")
