"""A SparkSession for the engine: C360_SPARK_MASTER (default local[2]), quiet, Arrow on, the venv's Python.

Partitions follow the cores and the data, not Spark's defaults: the heavy stages are Python batches (compare,
weights, per component), whose cost is per row, so a stage needs enough tasks for every core even when its
bytes are few. AQE's partition coalescing (which packs small shuffles into one task) is therefore off, and the
shuffle partitions are set per run by `tune_partitions`: two per core, more for a big file.
"""

from __future__ import annotations

import math
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

DEFAULT_MASTER = "local[2]"
DEFAULT_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.execution.arrow.maxRecordsPerBatch": "20000",
    "spark.sql.adaptive.enabled": "true",
    "spark.sql.adaptive.coalescePartitions.enabled": "false",
    "spark.python.worker.reuse": "true",
    "spark.sql.session.timeZone": "UTC",
}
SHUFFLE_PARTITIONS = "spark.sql.shuffle.partitions"
# Records per shuffle partition (about 8 candidate pairs per record on the sample): C360_SPARK_RECORDS_PER_PARTITION.
RECORDS_PER_PARTITION = 50_000
# A local[N] driver's heap is also its executors' memory: half the machine's, within these bounds (GiB).
LOCAL_MEMORY_GIB = (4, 64)
CGROUP_LIMIT = "/sys/fs/cgroup/memory.max"
_FIXED = "spark.customer360.fixedShufflePartitions"  # set when the user chose spark.sql.shuffle.partitions


def spark_master() -> str:
    return os.environ.get("C360_SPARK_MASTER", "").strip() or DEFAULT_MASTER


def machine_memory() -> int:
    """Bytes of memory this process may use: the machine's, or its cgroup's limit when lower (a container)."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    try:
        limit = Path(CGROUP_LIMIT).read_text().strip()
    except OSError:
        return total
    return min(total, int(limit)) if limit.isdigit() else total


def local_driver_memory(total: int | None = None) -> str:
    """spark.driver.memory on a local[N] master: C360_SPARK_DRIVER_MEMORY, or half of `total` (default: the
    machine's memory) within LOCAL_MEMORY_GIB. A fixed 4g ran out in an aggregation over the pairs of 1M
    records (AGGREGATE_OUT_OF_MEMORY) on a 24 GiB machine."""
    chosen = os.environ.get("C360_SPARK_DRIVER_MEMORY", "").strip()
    if chosen:
        return chosen
    low, high = LOCAL_MEMORY_GIB
    half = (machine_memory() if total is None else total) // 2 // 2**20
    return f"{min(max(half, low * 1024), high * 1024)}m"


def _user_conf(conf: dict[str, str] | None) -> dict[str, str]:
    """C360_SPARK_CONF (k=v,k=v), then `conf`."""
    settings = {}
    for item in filter(None, os.environ.get("C360_SPARK_CONF", "").split(",")):
        key, _, value = item.partition("=")
        settings[key.strip()] = value.strip()
    settings.update(conf or {})
    return settings


def spark_session(master: str | None = None, conf: dict[str, str] | None = None) -> SparkSession:
    """The active session, or a new one on `master`; `conf` and C360_SPARK_CONF (k=v,k=v) override the
    defaults (a spark.sql.shuffle.partitions given there is kept by `tune_partitions`)."""
    from pyspark.sql import SparkSession

    master = master or spark_master()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # executors run this venv's Python locally
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    settings = dict(DEFAULT_CONF)
    if master.startswith("local"):
        settings["spark.driver.memory"] = local_driver_memory()
    user = _user_conf(conf)
    settings.update(user)
    if SHUFFLE_PARTITIONS in user:
        settings[_FIXED] = "true"
    builder = SparkSession.builder.master(master).appName("customer360")
    for key, value in settings.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    tune_partitions(session, 0)
    return session


def tune_partitions(spark: SparkSession, records: int) -> int:
    """Set the shuffle partitions for a run over `records` records: two per core, and one per
    C360_SPARK_RECORDS_PER_PARTITION records (default 50,000) beyond that; a value the user set is kept."""
    if spark.conf.get(_FIXED, "false") == "true":
        return int(spark.conf.get(SHUFFLE_PARTITIONS))
    per = int(os.environ.get("C360_SPARK_RECORDS_PER_PARTITION", "") or RECORDS_PER_PARTITION)
    partitions = max(2 * spark.sparkContext.defaultParallelism, math.ceil(records / max(per, 1)))
    spark.conf.set(SHUFFLE_PARTITIONS, str(partitions))
    return partitions


def shuffles(frame: DataFrame) -> bool:
    """Whether `frame`'s plan shuffles, read from the plan's text: its last stage then has a task per shuffle
    partition (AQE's coalescing is off). Asking an adaptive plan for its partitions (`.rdd.getNumPartitions()`)
    runs its shuffles, and the stage that follows runs them again."""
    plan = frame._jdf.queryExecution().executedPlan().toString()
    return (
        re.search(r"(?<!Broadcast)Exchange (hashpartitioning|RoundRobinPartitioning|rangepartitioning)", plan)
        is not None
    )


def spread(frame: DataFrame) -> DataFrame:
    """`frame` over at least one partition per core, for a Python stage (mapInPandas) whose cost is per row: a
    stage read back from a few small files is otherwise one task on one core. A frame with that many already (or
    that shuffles) is kept as it is: a repartition to the shuffle partitions would shuffle every pair once more."""
    spark = frame.sparkSession
    if shuffles(frame) or frame.rdd.getNumPartitions() >= spark.sparkContext.defaultParallelism:
        return frame
    return frame.repartition(int(spark.conf.get(SHUFFLE_PARTITIONS)))
