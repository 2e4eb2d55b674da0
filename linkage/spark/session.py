"""A SparkSession for the engine: C360_SPARK_MASTER (default local[2]), quiet, Arrow on, the venv's Python."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

DEFAULT_MASTER = "local[2]"
DEFAULT_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.execution.arrow.maxRecordsPerBatch": "20000",
    "spark.sql.adaptive.enabled": "true",
    "spark.sql.session.timeZone": "UTC",
}


def spark_master() -> str:
    return os.environ.get("C360_SPARK_MASTER", "").strip() or DEFAULT_MASTER


def spark_session(master: str | None = None, conf: dict[str, str] | None = None) -> SparkSession:
    """The active session, or a new one on `master`. Local masters get few shuffle partitions (the
    default 200 is for a cluster); `conf` and C360_SPARK_CONF (k=v,k=v) override."""
    from pyspark.sql import SparkSession

    master = master or spark_master()
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # executors run this venv's Python locally
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    settings = dict(DEFAULT_CONF)
    if master.startswith("local"):
        settings["spark.sql.shuffle.partitions"] = "4"
        settings["spark.driver.memory"] = os.environ.get("C360_SPARK_DRIVER_MEMORY", "4g")
    for item in filter(None, os.environ.get("C360_SPARK_CONF", "").split(",")):
        key, _, value = item.partition("=")
        settings[key.strip()] = value.strip()
    settings.update(conf or {})
    builder = SparkSession.builder.master(master).appName("customer360")
    for key, value in settings.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session
