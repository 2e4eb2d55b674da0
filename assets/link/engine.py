"""Where the link asset runs the linkage: in-process (C360_ENGINE=duckdb, the default) or on Spark
(C360_ENGINE=spark, master C360_SPARK_MASTER, default local[2]; stages written under C360_SPARK_WORK)."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import pandas as pd

from assets.privacy.encryption import encryption_key
from linkage.config import LinkageConfig
from linkage.engine import LinkageResult, link
from linkage.state import LinkageState

ENGINES = ("duckdb", "spark")


class LinkEngine(dg.ConfigurableResource):
    """The linkage engine and, for Spark, the session: fields left empty read C360_ENGINE,
    C360_SPARK_MASTER and C360_SPARK_WORK (default: <data dir>/spark, or an s3a:// path on a cluster)."""

    engine: str = ""
    spark_master: str = ""
    spark_work_dir: str = ""

    def engine_name(self) -> str:
        name = (self.engine or os.environ.get("C360_ENGINE", "") or "duckdb").strip().lower()
        if name not in ENGINES:
            raise ValueError(f"C360_ENGINE={name!r}: expected one of {', '.join(ENGINES)}")
        return name

    def spark_session(self):
        """The SparkSession on the configured master (created once per process)."""
        from linkage.spark.session import spark_session

        return spark_session(self.spark_master or None)

    def work_dir(self, data_root: Path) -> str:
        return self.spark_work_dir or os.environ.get("C360_SPARK_WORK", "") or str(Path(data_root) / "spark")

    def link(
        self,
        persons: pd.DataFrame,
        config: LinkageConfig,
        data_root: Path,
        previous_xref: pd.DataFrame | None,
        run_id: str,
        decisions: pd.DataFrame | None = None,
        references: dict[str, list[str]] | None = None,
        model: LinkageState | None = None,
    ) -> LinkageResult:
        """link() or link_spark() with the stewards' `decisions` and the declared `references`; `model`: the
        stored model to score with (in-process only: Spark fits its own)."""
        if self.engine_name() == "duckdb":
            return link(persons, config, previous_xref, run_id, decisions=decisions, references=references,
                        model=model)  # fmt: skip
        if encryption_key():
            raise ValueError(
                "C360_ENGINE=spark writes its stages as plain Parquet: it does not run with zone encryption "
                "(C360_ENCRYPTION_KEY); unset one of them"
            )
        from linkage.spark.engine import link_spark

        return link_spark(
            self.spark_session(),
            persons,
            config,
            self.work_dir(data_root),
            previous_xref=previous_xref,
            run_id=run_id,
            decisions=decisions,
            references=references,
        )
