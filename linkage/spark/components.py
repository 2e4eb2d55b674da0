"""Connected components on Spark without the graphframes JAR: large-star / small-star (Kiveris et al., "Connected
Components in MapReduce and Beyond", 2014) over DataFrame joins.

Edges are kept as (a, b) with a > b. Large-star links every larger neighbour of a node to the smallest node it
sees; small-star links a node and its smaller neighbours to the smallest of those. Rounds repeat until each
component is a star around its smallest rid (O(log² n) rounds, long chains included); the star's centre is the
component's id.

Once the edges left are few (C360_SPARK_DRIVER_EDGES, default 10 million: ~160 MB as two int64 columns), they
are collected and the rounds finish on the driver with scipy in one step: each round costs a few Spark jobs
(a fixed cost per job), while the driver labels millions of edges in about a second. On a cluster with more
edges than that, the rounds run on Spark until the remaining edge set is under the limit.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

MAX_ROUNDS = 100
DRIVER_EDGES = 10_000_000


def driver_edges() -> int:
    """Edges the driver finishes the components of (C360_SPARK_DRIVER_EDGES; 0: every round on Spark)."""
    return int(os.environ.get("C360_SPARK_DRIVER_EDGES", "") or DRIVER_EDGES)


def components_on_driver(a: np.ndarray, b: np.ndarray) -> pd.DataFrame:
    """(rid, component) for every node of the edges (a, b), component = the smallest rid of its connected
    component (scipy), rid ascending."""
    from linkage.cluster import components

    nodes = np.unique(np.concatenate([a, b])).astype(np.int64)
    labels = components(len(nodes), np.searchsorted(nodes, a), np.searchsorted(nodes, b))
    _, first = np.unique(labels, return_index=True)  # nodes ascend: a label's first node is its smallest rid
    return pd.DataFrame({"rid": nodes, "component": nodes[first][labels]})


def _both_ways(edges: DataFrame) -> DataFrame:
    from pyspark.sql import functions as F

    return edges.select(F.col("a").alias("u"), F.col("b").alias("v")).unionByName(
        edges.select(F.col("b").alias("u"), F.col("a").alias("v"))
    )


def _large_star(edges: DataFrame) -> DataFrame:
    """(v, m(u)) for every neighbour v > u, m(u) the smallest of u and its neighbours."""
    from pyspark.sql import functions as F

    both = _both_ways(edges)
    low = both.groupBy("u").agg(F.min("v").alias("m")).withColumn("m", F.least("m", "u"))
    return both.join(low, "u").where("v > u").select(F.col("v").alias("a"), F.col("m").alias("b")).distinct()


def _small_star(edges: DataFrame) -> DataFrame:
    """(v, m) for u and each neighbour v < u, m the smallest of those neighbours (v != m)."""
    from pyspark.sql import functions as F

    smaller = _both_ways(edges).where("v < u")
    low = smaller.groupBy("u").agg(F.min("v").alias("m"))
    spokes = smaller.join(low, "u").where("v != m").select(F.col("v").alias("a"), F.col("m").alias("b"))
    centre = low.select(F.col("u").alias("a"), F.col("m").alias("b"))
    return spokes.unionByName(centre).distinct()


def _stars(edges: DataFrame) -> bool:
    """Every node has one edge, to a centre that has none of its own (a > b throughout)."""
    from pyspark.sql import functions as F

    row = (
        edges.join(edges.select(F.col("a").alias("b")).distinct(), "b", "left_semi")
        .select(F.lit(1).alias("x"))
        .unionByName(edges.groupBy("a").count().where("count > 1").select(F.lit(1).alias("x")))
        .limit(1)
        .collect()
    )
    return not row


def connected_components(edges: DataFrame) -> DataFrame:
    """(rid, component) for every node of `edges` (columns a, b: either direction; repeats and loops allowed);
    component = the smallest rid of its connected component. Nodes without edges are not listed."""
    from pyspark.sql import functions as F

    current = (
        edges.select(F.greatest("a", "b").alias("a"), F.least("a", "b").alias("b"))
        .where("a != b")
        .distinct()
        .localCheckpoint()
    )
    limit = driver_edges()
    for _ in range(MAX_ROUNDS):
        if limit > 0 and current.count() <= limit:
            found = current.toPandas()
            members = components_on_driver(found["a"].to_numpy(np.int64), found["b"].to_numpy(np.int64))
            return edges.sparkSession.createDataFrame(members, "rid long, component long")
        current = _small_star(_large_star(current)).localCheckpoint()
        if _stars(current):
            break
    else:
        raise RuntimeError(f"connected components did not converge in {MAX_ROUNDS} rounds")
    centres = current.select(F.col("b").alias("rid"), F.col("b").alias("component")).distinct()
    return current.select(F.col("a").alias("rid"), F.col("b").alias("component")).unionByName(centres)
