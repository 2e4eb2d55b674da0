# ruff: noqa: E402
"""Linkage on Spark (local[2]) beside the in-process engine and Splink (Spark and DuckDB backends).

For each size (person records of the sample generator, ≈3 per customer) and each tool, one child process
with a time cap: seconds, F1, candidate pairs, and the Spark engine's per-stage seconds. Then the scaling
curve (records vs seconds) and a paper estimate for 10M/100M records on a cluster from the per-stage costs.

    uv run --group spark --group bench python bench/spark_linkage.py                  # 10k,100k,1M
    uv run --group spark --group bench python bench/spark_linkage.py --sizes 10000 --cap 600
    # plus a person file of your own (silver/person Parquet) with its truth (source, source_record_id,
    # true_customer_id), e.g. the 150k-customer sample's night 1 (538k records):
    uv run ... bench/spark_linkage.py --sizes 100000 --persons silver/person/run_date=2026-01-01/part.parquet \
        --truth truth/ground_truth.csv

Splink's Spark backend runs offline: its similarity UDF jar ships inside the splink wheel (spark.jars).
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
REPO = _HERE.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import argparse
import json
import os
import re
import subprocess
import tempfile
import time

import pandas as pd

os.environ.setdefault("DO_NOT_TRACK", "1")
TOOLS = ("customer360", "customer360-spark", "splink-spark", "splink-duckdb")
# Stages whose work spreads over executors; the others run on the driver (linkage/spark/__init__.py: the record
# table with its value counts and references (prepare), u on its fixed-size sample, which values are personal,
# the mistyped-e-mail edges, labels → ids and the output tables).
PARALLEL_STAGES = (
    "blocking",
    "compare",
    "scoring",
    "completion",
    "components",
    "per_component",
)


class _SourceOnlySqlglot:
    """A meta-path finder that loads sqlglot from its .py files. sqlglotc (pulled in by dagster-dbt's
    `sqlglot[rs]`) overlays mypyc-compiled .so modules onto sqlglot's own, which import first; Splink's Spark
    dialect subclasses sqlglot's classes, and an interpreted class cannot inherit from a compiled one
    (`TypeError: interpreted classes cannot inherit from compiled`). sqlglot has no switch for it, so the
    Splink-on-Spark child imports the pure-Python modules that ship beside the compiled ones."""

    def find_spec(self, fullname: str, path=None, target=None):
        import importlib.machinery

        if fullname != "sqlglot" and not fullname.startswith("sqlglot."):
            return None
        details = (importlib.machinery.SourceFileLoader, importlib.machinery.SOURCE_SUFFIXES)
        for entry in path or sys.path:
            spec = importlib.machinery.FileFinder(entry or ".", details).find_spec(fullname)
            if spec is not None:
                return spec
        return None


def pure_python_sqlglot() -> None:
    """Import sqlglot without its compiled overlay in this process (before anything imports sqlglot)."""
    if "sqlglot" in sys.modules:
        raise RuntimeError("sqlglot is imported already: call pure_python_sqlglot() first")
    sys.meta_path.insert(0, _SourceOnlySqlglot())


def persons_path(workdir: Path, size: int) -> Path:
    return workdir / f"persons_{size}.parquet"


def make_data(workdir: Path, size: int) -> None:
    """Sample person records (+ truth) for `size` records, cached as Parquet."""
    from assets.sample.person_records import sample_person_records

    persons, truth = sample_person_records(workdir / f"sample_{size}", customers=max(size // 3, 100))
    persons.to_parquet(persons_path(workdir, size), index=False)
    truth.to_parquet(workdir / f"truth_{size}.parquet", index=False)


def copy_data(workdir: Path, persons_file: str, truth_file: str) -> int:
    """A person file (or glob; read as the link asset reads silver/person: a record's versions merged) and its
    truth (CSV or Parquet) as the bench's data for their record count; the count."""
    from assets.link.io import LINKED_COLUMNS, read_person_glob

    persons = read_person_glob(persons_file, columns=LINKED_COLUMNS)
    truth = pd.read_csv(truth_file, dtype=str) if truth_file.endswith(".csv") else pd.read_parquet(truth_file)
    size = len(persons)
    workdir.mkdir(parents=True, exist_ok=True)
    persons.to_parquet(persons_path(workdir, size), index=False)
    truth[["source", "source_record_id", "true_customer_id"]].to_parquet(
        workdir / f"truth_{size}.parquet", index=False
    )
    return size


def run_one(tool: str, workdir: Path, size: int) -> dict:
    """One tool on one size in this process: the bench's result row."""
    from assets.ingest.config import load_sources_config
    from bench.linkage import Dataset, run_splink
    from linkage.config import load_linkage_config
    from linkage.datasets import record_keys
    from linkage.evaluate import evaluate_pairs, pairs_from_clusters

    persons = pd.read_parquet(persons_path(workdir, size))
    truth = pd.read_parquet(workdir / f"truth_{size}.parquet")
    labels = pd.Series(truth["true_customer_id"].to_numpy(), index=record_keys(truth).to_numpy())
    true_pairs = pairs_from_clusters(labels[labels.index.isin(set(record_keys(persons)))])
    row: dict = {"tool": tool, "records": len(persons), "load_before": round(os.getloadavg()[0], 1)}
    config = load_linkage_config()
    references = load_sources_config(REPO / "config" / "sources.yaml").references()  # as the nightly run
    started = time.perf_counter()
    if tool.startswith("customer360"):
        if tool == "customer360":
            from linkage.engine import link

            result = link(persons, config, references=references)
        else:
            from linkage.spark.engine import link_spark
            from linkage.spark.session import spark_session

            spark = spark_session()
            row["spark_startup_s"] = round(time.perf_counter() - started, 2)
            started = time.perf_counter()
            result = link_spark(spark, persons, config, str(workdir / "spark-work"), references=references)
        predicted = pairs_from_clusters(
            pd.Series(result.xref["customer_id"].to_numpy(), index=record_keys(result.xref).to_numpy())
        )
        row["candidate_pairs"] = result.summary["candidate_pairs"]
        row["stages_s"] = result.summary["timings"]
    else:
        db_api = None
        if tool == "splink-spark":
            from splink.backends.spark import SparkAPI, similarity_jar_location

            from linkage.spark.session import spark_session

            spark = spark_session(conf={"spark.jars": similarity_jar_location()})
            spark.sparkContext.setCheckpointDir(str(workdir / "splink-checkpoints"))
            row["spark_startup_s"] = round(time.perf_counter() - started, 2)
            started = time.perf_counter()
            db_api = SparkAPI(spark_session=spark)
        predicted, row["candidate_pairs"] = run_splink(Dataset(f"sample{size}", persons, true_pairs), db_api)
    row["seconds"] = round(time.perf_counter() - started, 2)
    row["records_per_s"] = round(len(persons) / max(row["seconds"], 1e-9))
    row["load_after"] = round(
        os.getloadavg()[0], 1
    )  # the machine's 1-minute load average, beside the seconds
    row["f1"] = round(evaluate_pairs(on_truth(predicted, labels.index), true_pairs)["f1"], 5)
    return row


def on_truth(predicted: pd.DataFrame, known: pd.Index) -> pd.DataFrame:
    """The predicted pairs whose two records the truth places: a person file of one's own (`--persons`) holds
    records no truth covers (an interaction or campaign row without a true customer), which no pair of the
    truth can confirm, as `bench/scale.py` scores its night."""
    inside = predicted.iloc[:, 0].isin(known) & predicted.iloc[:, 1].isin(known)
    return predicted[inside.to_numpy()]


def per_record_costs(runs: list[dict]) -> dict[str, float]:
    """Seconds per record of each stage: the slope between the two largest runs when there are two (their
    fixed costs, a Spark job or a Python worker's start, cancel out), else the largest run's share."""
    runs = sorted(runs, key=lambda r: r["records"])[-2:]
    big = runs[-1]
    if len(runs) == 1:
        return {k: v / big["records"] for k, v in big["stages_s"].items()}
    small = runs[0]
    grown = big["records"] - small["records"]
    return {k: max(v - small["stages_s"].get(k, 0.0), 0.0) / grown for k, v in big["stages_s"].items()}


def paper_estimate(
    runs: list[dict], targets: tuple[int, ...] = (10_000_000, 100_000_000), cores: int = 128
) -> list[dict]:
    """Seconds on `cores` executor cores from local[2] runs (per_record_costs): the parallel stages' cost per
    record (candidate pairs grow about linearly under capped blocks) times the records, divided by the core
    ratio at 50% efficiency; the driver's stages (record table, references, personal values, labels → ids,
    output tables) per record on one core."""
    costs = per_record_costs(runs)
    parallel = sum(v for k, v in costs.items() if k in PARALLEL_STAGES)
    driver = sum(v for k, v in costs.items() if k not in PARALLEL_STAGES)
    out = []
    for n in targets:
        on_executors = parallel * n * 2 / (cores * 0.5)
        out.append({"records": n, "cores": cores, "parallel_s": round(on_executors), "driver_s": round(driver * n),
                    "total_min": round((on_executors + driver * n) / 60, 1)})  # fmt: skip
    return out


def previous_rows(path: Path, measured: set[tuple[str, int]]) -> list[dict]:
    """The result rows (JSON lines with a tool and seconds or an error) of an earlier run's output, except the
    (tool, records) this run measured."""
    rows = []
    for line in path.read_text().splitlines():
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict) and "tool" in row and (row["tool"], row["records"]) not in measured:
            rows.append(row)
    return rows


def _run_child(command: list[str], cap: float) -> tuple[str | None, str]:
    """The child's stdout and stderr; (None, "") when it ran over `cap` seconds, its whole process group (the
    Spark JVM it started included) then killed."""
    import signal

    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             start_new_session=True)  # fmt: skip
    try:
        stdout, stderr = child.communicate(timeout=cap)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.communicate()
        return None, ""
    return stdout, stderr


_RAISED = re.compile(r"^(?:Caused by: )?[\w.$]+(?:Error|Exception)\b.*")


def failure_summary(stderr: str, log: Path) -> str:
    """A failed child's error for the table: the exceptions it raised (Python's last line, a Spark job's cause
    lines) before the tail of its stderr, and where the whole stderr is kept (a JVM stack is long and its cause
    comes first, not last)."""
    log.write_text(stderr, encoding="utf-8")
    raised = list(dict.fromkeys(m.group(0)[:300] for m in map(_RAISED.match, stderr.splitlines()) if m))
    return " | ".join([*raised[-4:], stderr.strip()[-300:], f"whole stderr: {log}"])


def _run_tools(args: argparse.Namespace, workdir: Path, size: int) -> list[dict]:
    """Each tool on one size, one child process each under the time cap."""
    rows = []
    for tool in [t for t in args.tools.split(",") if t]:
        row = {"tool": tool, "records": size}
        stdout, stderr = _run_child(
            [sys.executable, __file__, "--one", tool, str(workdir), str(size)], args.cap
        )
        if stdout is None:
            row["error"] = f"over the {args.cap:.0f} s cap"
        else:
            lines = [line for line in stdout.splitlines() if line.startswith("RESULT ")]
            log = workdir / f"failed_{tool}_{size}.stderr.log"
            row = json.loads(lines[-1][7:]) if lines else {**row, "error": failure_summary(stderr, log)}
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--tools", default=",".join(TOOLS))
    parser.add_argument(
        "--cap", type=float, default=1800, help="seconds per tool and size (and per data set)"
    )
    parser.add_argument(
        "--workdir", help="keep the sample data here and reuse it (default: a temporary folder)"
    )
    parser.add_argument("--persons", help="also run on this person file (Parquet, silver/person columns)")
    parser.add_argument("--truth", help="the true customer of each record of --persons (CSV or Parquet)")
    parser.add_argument(
        "--previous", action="append", default=[],
        help="an earlier run's output: its result rows join this run's table, curve and estimate",
    )  # fmt: skip
    parser.add_argument("--one", nargs=3, metavar=("TOOL", "WORKDIR", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        tool, workdir, size = args.one
        if tool == "splink-spark":
            pure_python_sqlglot()
        if tool == "data":
            make_data(Path(workdir), int(size))
            return
        print("RESULT " + json.dumps(run_one(tool, Path(workdir), int(size))), flush=True)
        return
    if bool(args.persons) != bool(args.truth):
        parser.error("--persons and --truth go together")
    rows = []
    with tempfile.TemporaryDirectory(prefix="c360-bench-spark-") as tmp:
        workdir = Path(args.workdir or tmp)
        sizes = [int(s) for s in args.sizes.split(",") if s]
        if args.persons:
            sizes = sorted({*sizes, copy_data(workdir, args.persons, args.truth)})
        for size in sizes:
            started = time.perf_counter()
            if persons_path(workdir, size).exists():
                print(json.dumps({"records": size, "data": "reused"}), flush=True)
                rows += _run_tools(args, workdir, size)
                continue
            try:
                subprocess.run(
                    [sys.executable, __file__, "--one", "data", str(workdir), str(size)],
                    timeout=args.cap,
                    check=True,
                )
            except (
                subprocess.SubprocessError,
                OSError,
            ) as exc:  # data generation over the cap or failing: report and stop growing
                print(json.dumps({"records": size, "error": f"sample data: {exc}"[:200]}), flush=True)
                break
            print(
                json.dumps({"records": size, "data_s": round(time.perf_counter() - started, 1)}), flush=True
            )
            rows += _run_tools(args, workdir, size)
    for path in args.previous:
        rows += previous_rows(Path(path), {(r["tool"], r["records"]) for r in rows if "seconds" in r})
    table = pd.DataFrame(rows)
    print()
    shown = [
        c
        for c in (
            "tool",
            "records",
            "seconds",
            "records_per_s",
            "f1",
            "candidate_pairs",
            "spark_startup_s",
            "load_before",
            "load_after",
            "error",
        )
        if c in table
    ]
    print(table[shown].to_string(index=False))
    print("\nscaling (seconds by records):")
    if "seconds" in table:
        print(table.pivot_table(index="records", columns="tool", values="seconds").to_string())
    spark_rows = [r for r in rows if r.get("tool") == "customer360-spark" and "stages_s" in r]
    if spark_rows:
        largest = max(spark_rows, key=lambda r: r["records"])
        print(f"\nper-stage seconds at {largest['records']} records on local[2]: {largest['stages_s']}")
        print("paper estimate on a cluster (128 executor cores; per-record costs from the two largest runs):")
        print(pd.DataFrame(paper_estimate(spark_rows)).to_string(index=False))


if __name__ == "__main__":
    main()
