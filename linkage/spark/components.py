"""Connected components on Spark without the graphframes JAR: large-star / small-star (Kiveris et al., "Connected
Components in MapReduce and Beyond", 2014) over DataFrame joins.

Edges are kept as (a, b) with a > b. Large-star links every larger neighbour of a node to the smallest node it
sees; small-star links a node and its smaller neighbours to the smallest of those. Rounds repeat until each
component is a star around its smallest rid (O(log² n) rounds, long chains included); the star's centre is the
component's id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

MAX_ROUNDS = 100


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
    for _ in range(MAX_ROUNDS):
        current = _small_star(_large_star(current)).localCheckpoint()
        if _stars(current):
            break
    else:
        raise RuntimeError(f"connected components did not converge in {MAX_ROUNDS} rounds")
    centres = current.select(F.col("b").alias("rid"), F.col("b").alias("component")).distinct()
    return current.select(F.col("a").alias("rid"), F.col("b").alias("component")).unionByName(centres)
